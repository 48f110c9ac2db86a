import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import pg from 'pg';
import { adminUrlFromEnv } from '@big0290/testing';
import { BIN } from './sdk.js';

/**
 * Helpers for killing sdk midway: a gate that stops a restore at a known statement, the PostgreSQL
 * client tools found in /proc, and one verifying test file at a time.
 */

/**
 * A gate inside a backup: table `public.gated` with an index on `public.gate(id)`, which waits while
 * a session named `<name>:hold` is connected to the server (any database: pg_stat_activity is
 * shared), so a restore or verification of the backup stops there, near the end of its script.
 */
export function gateSql(name: string): string {
  return `
    CREATE FUNCTION public.gate(v int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $gate$
    BEGIN
      PERFORM pg_catalog.pg_stat_clear_snapshot();
      WHILE EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity WHERE application_name = '${name}:hold') LOOP
        PERFORM pg_catalog.pg_sleep(0.02);
        PERFORM pg_catalog.pg_stat_clear_snapshot();
      END LOOP;
      RETURN v;
    END $gate$;
    CREATE TABLE public.gated (id int);
    INSERT INTO public.gated VALUES (1);
    CREATE INDEX gated_gate_idx ON public.gated (public.gate(id));`;
}

/** Holds the gate until the returned function is called. */
export async function closeGate(url: string, name: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: url, application_name: `${name}:hold` });
  await client.connect();
  return () => client.end();
}

/** Polls `probe` until it returns something, for at most `ms`: a bound on waiting, not a timing claim. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  argv: string[];
}

/** The live processes (not zombies) of a PostgreSQL client tool whose arguments mention `text`. */
export function toolsMentioning(tool: 'pg_dump' | 'pg_restore' | 'psql', text: string): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' || !argv[0]?.endsWith(`/${tool}`) || !argv.some((a) => a.includes(text))) continue;
      found.push({ pid: Number(entry), ppid: Number(ppid), argv });
    } catch {
      // It ended while we looked.
    }
  }
  return found;
}

/** Whether process `writer` still holds `reader`'s stdin pipe open: once closed, all it sent (a COMMIT) is in the pipe. */
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

/** The statement sessions named `applicationName` run in database `datname` (or in scratch databases matching it, with LIKE). */
export async function sessions(adminUrl: string, applicationName: string, datname: string): Promise<{ pid: number; datname: string; query: string; waiting: string | null }[]> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number; datname: string; query: string; waiting: string | null }>(
      'SELECT pid, datname, query, wait_event_type AS waiting FROM pg_stat_activity WHERE application_name LIKE $1 AND datname LIKE $2',
      [applicationName, datname],
    );
    return rows;
  } finally {
    await client.end();
  }
}

/** `sdk` started in the background, to be killed midway. */
export function start(args: string[], env: Record<string, string | undefined>): { child: ChildProcess; exited: Promise<NodeJS.Signals | number | null>; output: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  return { child, exited, output: () => output };
}

/**
 * Every verification (and `backups list` with a DATABASE_URL) drops the unclaimed `sdk_verify_*`
 * databases on its server: the test files that make them or count them run one at a time, under a
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
