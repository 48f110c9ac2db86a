import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { quoteIdent } from './sessions.js';

/** A scratch database name: a recognisable prefix and 12 random hex digits. */
export function scratchName(prefix: string): string {
  return `${prefix}${randomBytes(6).toString('hex')}`;
}

/** Terminates whatever is left connected to a scratch database and drops it. */
export async function dropScratch(admin: pg.Client, name: string): Promise<void> {
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
  await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
}
