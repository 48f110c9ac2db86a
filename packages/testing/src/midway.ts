import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import pg from 'pg';
import { adminUrlFromEnv } from './database.js';

/**
 * Helpers for tests that stop or kill sdk midway (backups, restores, verifications): a gate that
 * holds a restore at a known statement, the PostgreSQL client tools found in /proc, and one
 * verifying test file at a time. Shared by the library's and the CLI's tests.
 */
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

export interface ProcessInfo {
  pid: number;
  ppid: number;
  argv: string[];
}

/** The live processes (zombies excluded) whose command line satisfies `match`, read from /proc. */
export function processes(match: (argv: string[]) => boolean): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' || argv.length === 0 || !match(argv)) continue;
      found.push({ pid: Number(entry), ppid: Number(ppid), argv });
    } catch {
      // It ended while we looked.
    }
  }
  return found;
}

/** A PostgreSQL client tool (by its program name) whose arguments mention `text`. */
export function toolsMentioning(tool: 'pg_dump' | 'pg_restore' | 'psql', text: string): ProcessInfo[] {
  return processes((argv) => argv[0]!.endsWith(`/${tool}`) && argv.some((a) => a.includes(text)));
}

/**
 * Whether process `writer` still holds the pipe that is `reader`'s stdin open: once it has closed
 * it, everything it meant to send (a restore's COMMIT) is in the pipe.
 */
export function holdsStdinOf(writer: number, reader: number): boolean {
  const pipe = readlinkSync(`/proc/${reader}/fd/0`);
  for (const fd of readdirSync(`/proc/${writer}/fd`)) {
    try {
      if (readlinkSync(`/proc/${writer}/fd/${fd}`) === pipe) return true;
    } catch {
      // Closed while we looked.
    }
  }
  return false;
}

/**
 * Every verification drops the unclaimed `sdk_verify_*` databases on its server, and some tests
 * count them: the test files that make them (and share one server) run one at a time, under a
 * server-wide advisory lock taken in `beforeAll` and released in `afterAll`.
 */
export async function oneVerifyingFileAtATime(): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: adminUrlFromEnv(), application_name: 'sdk tests: one verifying file at a time' });
  await client.connect();
  await client.query('SELECT pg_advisory_lock($1, $2)', [0x746573, 0x766572]);
  return () => client.end();
}

/** How long a file may wait for its turn: as long as another verifying file takes. */
export const TURN_TIMEOUT_MS = 600_000;
