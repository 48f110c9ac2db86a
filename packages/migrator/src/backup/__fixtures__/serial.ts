import pg from 'pg';
import { adminUrlFromEnv } from '@big0290/testing';

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
