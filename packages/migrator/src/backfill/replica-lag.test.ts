import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replicaUnavailableReason, startReplicaPair, waitFor, type ReplicaPair } from '@big0290/testing';
import { backfill, type BackfillEvent } from '../index.js';

const reason = replicaUnavailableReason();
if (reason) console.warn(`replica-lag.test.ts: skipping the replica-lag throttling test: ${reason}`);

describe.skipIf(!!reason)(`a backfill on a primary with a streaming replica${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let pair: ReplicaPair;
  let primary: pg.Client;
  beforeAll(async () => {
    pair = await startReplicaPair();
    primary = new pg.Client({ connectionString: pair.primaryUrl });
    await primary.connect();
    await primary.query('CREATE TABLE items (id int PRIMARY KEY, score int); INSERT INTO items SELECT g, NULL FROM generate_series(1, 20000) g');
  }, 120_000);
  afterAll(async () => {
    await primary?.end().catch(() => {});
    await pair?.stop();
  });

  it('pauses while the replica lags more than maxReplicaLagMs, and goes on once it caught up', async () => {
    const replica = new pg.Client({ connectionString: pair.replicaUrl });
    await replica.connect();
    try {
      // Until replay reaches the CREATE TABLE, the table does not exist there yet.
      await waitFor('the table on the replica', async () => (await replica.query('SELECT count(*)::int AS n FROM items').catch(() => ({ rows: [{ n: -1 }] }))).rows[0].n === 20_000);
      // Replay stops; the primary keeps writing, so the replica falls behind.
      await pair.pauseReplay();
      await primary.query('UPDATE items SET score = 0 WHERE id <= 10');
      // The primary sees the standby's replay lag grow as WAL keeps coming and replay does not move.
      await waitFor('a replay lag over 300 ms on the primary', async () => {
        await primary.query('CREATE TEMP TABLE IF NOT EXISTS wal_tick (n int); INSERT INTO wal_tick VALUES (1); SELECT pg_switch_wal()');
        const { rows } = await primary.query('SELECT (extract(epoch FROM replay_lag) * 1000)::float8 AS ms FROM pg_stat_replication');
        return (rows[0]?.ms ?? 0) > 300;
      });
      const events: BackfillEvent[] = [];
      let resumed = false;
      const result = await backfill(pair.primaryUrl, {
        table: 'items',
        set: 'score = id % 7',
        where: 'score IS NULL',
        maxReplicaLagMs: 300,
        onEvent: (e) => {
          events.push(e);
          // Paused for lag: no batch has run yet; let the replica catch up.
          if (e.type === 'replica-lag' && !resumed) {
            resumed = true;
            void primary
              .query('SELECT count(*)::int AS n FROM items WHERE score IS NOT NULL')
              .then(({ rows }) => events.push({ type: 'done', name: `rows set while paused: ${rows[0].n}`, alreadyFinished: false }))
              .then(() => pair.resumeReplay());
          }
        },
      });
      expect(result.rows).toBe(19_990);
      const lagEvents = events.filter((e) => e.type === 'replica-lag');
      expect(lagEvents.length).toBeGreaterThan(0);
      expect(lagEvents[0]).toMatchObject({ maxMs: 300 });
      // The pause came before a batch changed anything (the lag is checked before every batch).
      expect(events.find((e) => e.type === 'done' && e.name.startsWith('rows set while paused'))).toMatchObject({ name: 'rows set while paused: 10' });
      expect(events.findIndex((e) => e.type === 'replica-lag')).toBeLessThan(events.findIndex((e) => e.type === 'batch'));
    } finally {
      await replica.end();
    }
  }, 120_000);
});
