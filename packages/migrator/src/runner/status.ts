import { connect } from '../db/connect.js';
import { invalidIndexes } from '../db/sessions.js';
import { redactUrl } from '../util/redact.js';
import { analyzeForStatus } from './analyze.js';
import { reconcileWithEdits } from './edits.js';
import { readMigrations } from './journal.js';
import { lockHolder } from './lock.js';
import { historyExists, METADATA_SCHEMA, readApplied, type Queryable } from './tracking.js';
import { serverIdentity } from '../backup/catalog.js';
import { isBackupOf, listBackups, newestVerified } from '../backup/retention.js';
import type { BackupStatus, MigrationStatus, RunnerOptions, StatusReport } from './types.js';

/**
 * Reads, without changing anything, where the database stands against the migrations folder:
 * each migration's phase and state, INVALID indexes, a run in progress or interrupted, and the
 * last run's outcome. `needsAttention` is what a CI gate or `sdk db status` exit code uses.
 */
export async function status(options: Pick<RunnerOptions, 'databaseUrl' | 'migrationsFolder'> & { backupDir?: string | undefined }): Promise<StatusReport> {
  const files = await readMigrations(options.migrationsFolder);
  const client = await connect(options.databaseUrl, { applicationName: 'sdk status' });
  try {
    const { rows: versionRows } = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    const { ours, drizzle } = await readApplied(client);
    const state = await reconcileWithEdits(files, ours, drizzle);
    const migrations: MigrationStatus[] = [];
    for (const entry of state.entries) {
      const analyzed = await analyzeForStatus(entry.file);
      // An edit of comments only is applied as far as anything runs: reported, not blocking.
      const commentsOnly = entry.state === 'modified' && entry.edit?.change === 'comments';
      migrations.push({
        tag: entry.file.tag,
        phase: analyzed.phase,
        state: commentsOnly ? 'applied' : entry.state,
        appliedAt: entry.appliedAt,
        ...(entry.state === 'modified' ? { fileHash: entry.file.hash, appliedHash: entry.appliedHash, edit: entry.edit } : {}),
      });
    }
    for (const m of state.missing) {
      migrations.push({ tag: m.tag, phase: 'expand', state: 'missing', appliedAt: m.appliedAt, appliedHash: m.hash });
    }
    const invalid = await invalidIndexes(client);
    const runInProgress = await lockHolder(client);
    let lastRun: StatusReport['lastRun'] = null;
    if (await historyExists(client)) {
      const { rows } = await client.query<{ outcome: string; started_at: Date; finished_at: Date | null; error: string | null; backend_pid: number; alive: boolean }>(
        `SELECT outcome, started_at, finished_at, error, backend_pid,
                EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = h.backend_pid) AS alive
           FROM ${METADATA_SCHEMA}.history h ORDER BY id DESC LIMIT 1`,
      );
      const row = rows[0];
      if (row) {
        // A run marked running whose session is gone was killed: the next migrate resumes it.
        const outcome = row.outcome === 'running' && !row.alive && !runInProgress ? 'interrupted' : row.outcome;
        lastRun = { outcome, startedAt: row.started_at.toISOString(), finishedAt: row.finished_at?.toISOString() ?? null, error: row.error };
      }
    }
    // An interrupted run needs nothing fixed: what it left pending (or INVALID) shows on its own,
    // and the next migrate resumes it. A failed one has a cause to fix.
    const needsAttention = migrations.some((m) => m.state !== 'applied') || invalid.length > 0 || lastRun?.outcome === 'failed';
    const backups = options.backupDir === undefined ? undefined : await backupStatus(client, options.backupDir);
    return {
      target: redactUrl(options.databaseUrl),
      serverVersion: versionRows[0]?.v ?? 'unknown',
      migrations,
      invalidIndexes: invalid,
      runInProgress,
      lastRun,
      needsAttention,
      ...(backups ? { backups } : {}),
    };
  } finally {
    await client.end().catch(() => {});
  }
}

/** The newest backup, and the newest verified one, of the database `client` is connected to. */
async function backupStatus(client: Queryable, dir: string): Promise<BackupStatus> {
  const identity = await serverIdentity(client);
  const database = { name: identity.database, systemIdentifier: identity.systemIdentifier };
  const mine = (await listBackups(dir)).filter((e) => e.state === 'ok' && isBackupOf(e, database));
  const age = (iso: string) => Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  const verified = newestVerified(mine);
  const newest = mine[0];
  return {
    dir,
    newestVerified: verified ? { path: verified.path, createdAt: verified.createdAt, verifiedAt: verified.verifiedAt!, ageSeconds: age(verified.createdAt) } : null,
    newest: newest ? { path: newest.path, createdAt: newest.createdAt, ageSeconds: age(newest.createdAt), verified: newest.verified } : null,
  };
}
