import pg from 'pg';

/**
 * A gate inside a backup: table `public.gated` with an index on `public.gate(id)`. While a session
 * named `<name>:hold` is connected to the server (any database), gate() waits, so a restore or a
 * verification of the backup stops at that index, near the end of its script; while one named
 * `<name>:fail` is connected, gate() raises an error there. pg_stat_activity is shared by every
 * database, so the gate works in a verification's scratch database too.
 */
export function gateSql(name: string): string {
  const session = (mode: string) => `SELECT 1 FROM pg_catalog.pg_stat_activity WHERE application_name = '${name}:${mode}'`;
  return `
    CREATE FUNCTION public.gate(v int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $gate$
    BEGIN
      PERFORM pg_catalog.pg_stat_clear_snapshot();
      IF EXISTS (${session('fail')}) THEN RAISE EXCEPTION 'the test gate fails this statement'; END IF;
      WHILE EXISTS (${session('hold')}) LOOP
        PERFORM pg_catalog.pg_sleep(0.02);
        PERFORM pg_catalog.pg_stat_clear_snapshot();
      END LOOP;
      RETURN v;
    END $gate$;
    CREATE TABLE public.gated (id int);
    INSERT INTO public.gated VALUES (1);
    CREATE INDEX gated_gate_idx ON public.gated (public.gate(id));`;
}

/** Holds (or fails) the gate until the returned function is called. */
export async function closeGate(url: string, name: string, mode: 'hold' | 'fail' = 'hold'): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: url, application_name: `${name}:${mode}` });
  await client.connect();
  return () => client.end();
}

/** Polls `probe` until it returns something, for at most `ms`: a bound on waiting, not a timing claim. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The statement a session named `applicationName` is running (or waiting in), if it is connected. */
export async function runningQuery(url: string, applicationName: string): Promise<{ pid: number; datname: string; query: string } | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number; datname: string; query: string }>(
      'SELECT pid, datname, query FROM pg_stat_activity WHERE application_name = $1 AND state = $2',
      [applicationName, 'active'],
    );
    return rows[0];
  } finally {
    await client.end();
  }
}
