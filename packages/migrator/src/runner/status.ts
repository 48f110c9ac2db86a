import { invalidIndexes } from '../db/sessions.js';
import { redactUrl } from '../util/redact.js';
import { analyzeForStatus } from './analyze.js';
import { reconcileWithEdits } from './edits.js';
import { readMigrations } from './journal.js';
import { lockHolder } from '../db/advisory-lock.js';
import { historyExists, METADATA_SCHEMA, readApplied, type Queryable } from '../db/metadata.js';
import type { MigrationStatus, MigrationsReport, RunnerOptions } from './types.js';

/**
 * Reads, without changing anything, where the database stands against the migrations folder:
 * each migration's phase and state, INVALID indexes, a run in progress or interrupted, and the
 * last run's outcome. `needsAttention` is what a CI gate or `sdk db status` exit code uses.
 */
export async function migrationStatus(client: Queryable, options: Pick<RunnerOptions, 'databaseUrl' | 'migrationsFolder'>): Promise<MigrationsReport> {
  const files = await readMigrations(options.migrationsFolder);
  {
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
    let lastRun: MigrationsReport['lastRun'] = null;
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
    return {
      target: redactUrl(options.databaseUrl),
      serverVersion: versionRows[0]?.v ?? 'unknown',
      migrations,
      invalidIndexes: invalid,
      runInProgress,
      lastRun,
      needsAttention,
    };
  }
}
