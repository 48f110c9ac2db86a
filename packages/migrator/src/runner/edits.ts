import { analyzeSql } from '../sql/parse.js';
import { treeHash } from '../sql/tree-hash.js';
import { committedTextWithHash, isTrackedByGit } from './git.js';
import { reconcile, type Reconciliation, type ReconciledEntry } from './reconcile.js';
import type { AppliedRow, DrizzleRow } from '../db/metadata.js';
import type { MigrationEdit, MigrationFile } from './types.js';

/**
 * Judges every `modified` entry (an applied migration whose file hash changed): a change of
 * comments and whitespace only is marked so, and no longer blocks; the others keep blocking, with
 * what is known of the change. The applied statements' tree hash is recorded since this version;
 * for older rows, the applied text is looked up in the file's git history by its sha256.
 */
export async function judgeEdits(state: Reconciliation, appliedTreeHash: (tag: string) => string | null | undefined): Promise<void> {
  for (const entry of state.entries) {
    if (entry.state === 'modified') entry.edit = await judge(entry, appliedTreeHash(entry.file.tag));
  }
}

async function judge(entry: ReconciledEntry, recorded: string | null | undefined): Promise<MigrationEdit> {
  const tracked = await isTrackedByGit(entry.file.path);
  const now = await analyzeSql(entry.file.sql, { file: entry.file.path }).catch(() => undefined);
  if (!now) return { change: 'statements', tracked };
  const original = entry.appliedHash ? await committedTextWithHash(entry.file.path, entry.appliedHash) : undefined;
  const before = original === undefined ? undefined : await analyzeSql(original).catch(() => undefined);
  const applied = recorded ?? (before ? treeHash(before) : undefined);
  if (applied === undefined) return { change: 'unknown', tracked };
  if (applied === treeHash(now)) return { change: 'comments', tracked };
  if (!before) return { change: 'statements', tracked };
  const changed: number[] = [];
  for (let i = 0; i < Math.max(before.length, now.length); i++) {
    const a = before[i];
    const b = now[i];
    if (!a || !b || treeHash([a]) !== treeHash([b])) changed.push(i + 1);
  }
  return { change: 'statements', tracked, statements: changed };
}

/** reconcile(), then judgeEdits() on what it found modified. */
export async function reconcileWithEdits(files: MigrationFile[], ours: AppliedRow[], drizzle: DrizzleRow[]): Promise<Reconciliation> {
  const state = reconcile(files, ours, drizzle);
  if (state.entries.some((e) => e.state === 'modified')) {
    const byTag = new Map(ours.map((r) => [r.tag, r.treeHash]));
    await judgeEdits(state, (tag) => byTag.get(tag));
  }
  return state;
}
