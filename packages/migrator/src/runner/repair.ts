import { ensureMetadata } from '../db/metadata-migrations.js';
import { connect } from '../db/connect.js';
import { ConfigError } from '../errors.js';
import { analyzeSql } from '../sql/parse.js';
import { treeHash } from '../sql/tree-hash.js';
import { currentActor } from '../util/actor.js';
import { DEFAULT_ADVISORY_LOCK_WAIT_MS } from '../db/defaults.js';
import { reconcileWithEdits } from './edits.js';
import { readMigrations } from './journal.js';
import { acquireRunnerLock, releaseRunnerLock } from '../db/advisory-lock.js';
import { DRIZZLE_SCHEMA, DRIZZLE_TABLE, METADATA_SCHEMA, readApplied } from '../db/metadata.js';
import type { MigrationEdit, RunInProgress, RunnerOptions } from './types.js';

export interface RepairOptions extends Pick<RunnerOptions, 'databaseUrl' | 'migrationsFolder' | 'advisoryLockWaitMs' | 'actor'> {
  /** Tags of edited applied migrations whose current file hash is recorded as applied. */
  accept?: string[];
  onLockWait?: (holder: RunInProgress | null) => void;
}

/** An applied migration whose file changed since, and what the change is. */
export interface EditedMigration {
  tag: string;
  path: string;
  appliedHash: string;
  fileHash: string;
  edit: MigrationEdit;
}

export interface RepairResult {
  /** Every applied migration whose file changed since it was applied (before any was accepted). */
  edited: EditedMigration[];
  /** The ones whose new hash was recorded. */
  accepted: string[];
}

/**
 * Like Flyway's `repair`: lists the applied migrations whose files changed since they were
 * applied, with what changed (comments only, or which statements), and with `accept` records
 * their current hash as applied, in the runner's table and in drizzle's, with an audit record.
 * Accepting says "the database already is what this file describes": it runs nothing.
 *
 * @example
 * const { edited } = await repair({ databaseUrl, migrationsFolder });
 * await repair({ databaseUrl, migrationsFolder, accept: edited.filter((e) => e.edit.change === 'comments').map((e) => e.tag) });
 */
export async function repair(options: RepairOptions): Promise<RepairResult> {
  const files = await readMigrations(options.migrationsFolder);
  const accept = options.accept ?? [];
  const client = await connect(options.databaseUrl, { applicationName: 'sdk repair' });
  let locked = false;
  try {
    if (accept.length > 0) {
      await acquireRunnerLock(client, options.advisoryLockWaitMs ?? DEFAULT_ADVISORY_LOCK_WAIT_MS, options.onLockWait ?? (() => {}));
      locked = true;
      await ensureMetadata(client);
    }
    const { ours, drizzle } = await readApplied(client);
    const state = await reconcileWithEdits(files, ours, drizzle);
    const edited: EditedMigration[] = state.entries
      .filter((e) => e.state === 'modified')
      .map((e) => ({ tag: e.file.tag, path: e.file.path, appliedHash: e.appliedHash ?? '', fileHash: e.file.hash, edit: e.edit ?? { change: 'unknown', tracked: false } }));
    for (const tag of accept) {
      if (edited.some((e) => e.tag === tag)) continue;
      const known = files.some((f) => f.tag === tag);
      throw new ConfigError(`\`accept\` ${tag}: ${known ? 'that migration is not an applied one whose file changed' : 'no migration with that tag in the migrations folder'}`, {
        hint: 'run `sdk db repair` to list the applied migrations whose files changed',
      });
    }
    if (accept.length === 0) return { edited, accepted: [] };

    const actor = currentActor(options.actor);
    await client.query('BEGIN');
    try {
      for (const tag of accept) {
        const entry = state.entries.find((e) => e.file.tag === tag)!;
        const tree = treeHash(await analyzeSql(entry.file.sql, { file: entry.file.path }));
        const { rowCount } = await client.query(`UPDATE ${METADATA_SCHEMA}.migrations SET hash = $2, tree_hash = $3 WHERE tag = $1`, [tag, entry.file.hash, tree]);
        if (!rowCount) {
          // Applied by drizzle-kit and never seen by this runner: adopted now, with the new hash.
          await client.query(
            `INSERT INTO ${METADATA_SCHEMA}.migrations (tag, idx, hash, created_at, phase, statements, adopted, tree_hash) VALUES ($1, $2, $3, $4, 'expand', 0, true, $5)`,
            [tag, entry.file.idx, entry.file.hash, entry.file.when, tree],
          );
        }
        await client.query(`UPDATE ${DRIZZLE_SCHEMA}.${DRIZZLE_TABLE} SET hash = $2 WHERE created_at = $1`, [entry.file.when, entry.file.hash]);
      }
      await client.query(
        `INSERT INTO ${METADATA_SCHEMA}.history (os_user, host, git_sha, phase, outcome, finished_at, duration_ms, migrations)
         VALUES ($1, $2, $3, 'repair', 'repaired', now(), 0, $4)`,
        [actor.user, actor.host, actor.gitSha, accept],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
    return { edited, accepted: accept };
  } finally {
    if (locked) await releaseRunnerLock(client).catch(() => {});
    await client.end().catch(() => {});
  }
}
