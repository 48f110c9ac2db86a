import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, closeGate, gateSql, runningQuery, waitFor, oneVerifyingFileAtATime, TURN_TIMEOUT_MS } from '@big0290/testing';
import { claimScratch, scratchName } from '../db/scratch.js';
import { backup } from './backup.js';
import { verifyBackup, VERIFY_DATABASE_PREFIX } from './verify.js';

const GATE = `leftovers_gate_${process.pid}`;

let db: TestDatabase;
let admin: pg.Client;
let dir: string;
let plain: string;
let gated: string;
let endTurn: () => Promise<void>;

beforeAll(async () => {
  endTurn = await oneVerifyingFileAtATime();
  db = await createTestDatabase('leftovers');
  admin = new pg.Client({ connectionString: db.adminUrl });
  await admin.connect();
  dir = await mkdtemp(join(tmpdir(), 'sdk-leftovers-'));
  await db.pool.query('CREATE TABLE items AS SELECT g AS id FROM generate_series(1, 100) g');
  plain = (await backup({ databaseUrl: db.url, backupDir: dir, output: join(dir, 'plain.dump') })).path;
  await db.pool.query(gateSql(GATE));
  gated = (await backup({ databaseUrl: db.url, backupDir: dir, output: join(dir, 'gated.dump') })).path;
}, TURN_TIMEOUT_MS);

afterAll(async () => {
  await admin?.end();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
  await endTurn?.();
});

/** What a verification killed midway leaves: its scratch database, with nobody connected and no claim on it. */
async function leftover(): Promise<string> {
  const name = scratchName(VERIFY_DATABASE_PREFIX);
  await admin.query(`CREATE DATABASE "${name}" TEMPLATE template0`);
  return name;
}

async function exists(name: string): Promise<boolean> {
  const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return rows.length === 1;
}

async function drop(...names: string[]): Promise<void> {
  for (const name of names) await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
}

describe('scratch databases left by an interrupted verification', () => {
  it('the next verification drops the one a killed verification left, and reports it', async () => {
    const left = await leftover();
    const result = await verifyBackup({ path: plain, databaseUrl: db.url });
    expect(result.leftovers).toEqual({ dropped: [left], failed: [] });
    expect(await exists(left)).toBe(false);
    expect(result.verification.ok).toBe(true);
  });

  it('never drops the scratch database of a verification still running, even while nobody is connected to it', async () => {
    // Two verifications between CREATE DATABASE and pg_restore: one whose own session is on another
    // database of the server (advisory locks are per database), one on the same database as ours.
    const elsewhere = new pg.Client({ connectionString: db.adminUrl });
    const here = new pg.Client({ connectionString: db.url });
    await elsewhere.connect();
    await here.connect();
    const running = [scratchName(VERIFY_DATABASE_PREFIX), scratchName(VERIFY_DATABASE_PREFIX)];
    const notOurs = `${VERIFY_DATABASE_PREFIX}mine`;
    try {
      expect(await claimScratch(elsewhere, running[0]!)).toBe(true);
      expect(await claimScratch(here, running[1]!)).toBe(true);
      for (const name of [...running, notOurs]) await admin.query(`CREATE DATABASE "${name}" TEMPLATE template0`);
      const left = await leftover();
      const result = await verifyBackup({ path: plain, databaseUrl: db.url });
      expect(result.leftovers.dropped).toEqual([left]);
      for (const name of [...running, notOurs]) expect(await exists(name)).toBe(true);
    } finally {
      await elsewhere.end();
      await here.end();
      await drop(...running, notOurs);
    }
  });

  it('a verification running in parallel keeps its scratch database while another one drops a leftover', async () => {
    const open = await closeGate(db.adminUrl, GATE);
    let first: Promise<Awaited<ReturnType<typeof verifyBackup>>> | undefined;
    try {
      first = verifyBackup({ path: gated, databaseUrl: db.url });
      first.catch(() => {});
      // Its pg_restore waits at the gated index, in its scratch database.
      const restoring = await waitFor('the first verification to reach the gate', async () => {
        const q = await runningQuery(db.adminUrl, 'sdk verify-backup (pg_restore)');
        return q?.query.includes('gated_gate_idx') ? q : undefined;
      });
      const left = await leftover();
      const second = await verifyBackup({ path: plain, databaseUrl: db.url });
      expect(second.leftovers.dropped).toEqual([left]);
      expect(await exists(restoring.datname)).toBe(true);
      await open();
      const done = await first;
      expect(done.verification).toMatchObject({ ok: true, scratchDatabase: restoring.datname });
      expect(await exists(restoring.datname)).toBe(false);
    } finally {
      await open();
      await first?.catch(() => {});
    }
  });
});
