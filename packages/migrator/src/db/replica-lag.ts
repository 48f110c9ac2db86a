import type pg from 'pg';

type Queryable = Pick<pg.ClientBase, 'query'>;

/**
 * How far the streaming replicas are behind (ms), from the primary's pg_stat_replication: the
 * replay_lag PostgreSQL measures, and for a replica whose replay position has not moved while WAL
 * waits for it (replay stalled: a long query on the standby, a paused replay), the time since its
 * position stopped moving. replay_lag alone keeps its last sample while replay is stalled, so a
 * single read (the deploy preflight's) sees replay_lag only; repeated reads (the backfill's pauses)
 * see a stall too. Shared by the backfill's throttle and the deploy preflight: one query.
 * https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-REPLICATION-VIEW
 */
export class ReplicaLag {
  private readonly stuckSince = new Map<string, { lsn: string; since: number }>();
  /** How many replicas the last read saw in pg_stat_replication. */
  replicas = 0;
  /** Of those, how many showed no positions (a role without pg_read_all_stats sees them as NULL). */
  hidden = 0;

  async read(client: Queryable): Promise<number> {
    const { rows } = await client.query<{ who: string; replay_lsn: string | null; sent_lsn: string | null; behind: boolean; lag_ms: number | null }>(
      `SELECT pid::text || ':' || coalesce(application_name, '') AS who, replay_lsn::text, sent_lsn::text,
              coalesce(pg_catalog.pg_wal_lsn_diff(sent_lsn, replay_lsn) > 0, false) AS behind,
              (extract(epoch FROM replay_lag) * 1000)::float8 AS lag_ms
         FROM pg_catalog.pg_stat_replication`,
    );
    const now = Date.now();
    let worst = 0;
    this.replicas = rows.length;
    this.hidden = rows.filter((r) => r.sent_lsn === null).length;
    for (const r of rows) {
      let stuck = 0;
      if (r.behind && r.replay_lsn !== null) {
        const seen = this.stuckSince.get(r.who);
        if (seen && seen.lsn === r.replay_lsn) stuck = now - seen.since;
        else this.stuckSince.set(r.who, { lsn: r.replay_lsn, since: now });
      } else this.stuckSince.delete(r.who);
      worst = Math.max(worst, r.lag_ms ?? 0, stuck);
    }
    return worst;
  }
}
