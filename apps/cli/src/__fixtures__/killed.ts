import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { BIN, childEnv } from './sdk.js';

/**
 * Helpers for killing the sdk binary midway; the gate, /proc and one-verifying-file helpers are
 * @big0290/testing's (shared with the library's tests).
 */
export { closeGate, gateSql, holdsStdinOf, oneVerifyingFileAtATime, toolsMentioning, TURN_TIMEOUT_MS, waitFor, type ProcessInfo } from '@big0290/testing';

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
  const child = spawn(process.execPath, [BIN, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  return { child, exited, output: () => output };
}
