import { ChecksumMismatchError, MigrationOrderError, MissingMigrationError } from '../errors.js';
import type { AppliedRow, DrizzleRow } from '../db/metadata.js';
import type { MigrationEdit, MigrationFile, MigrationState } from './types.js';

export interface ReconciledEntry {
  file: MigrationFile;
  state: Exclude<MigrationState, 'missing'>;
  appliedHash?: string | undefined;
  appliedAt?: string | undefined;
  /** Applied by drizzle-kit (a row in drizzle.__drizzle_migrations) but unknown to our table. */
  adoptFromDrizzle: boolean;
  /** For `modified`, once judged (judgeEdits): what the edit changed. */
  edit?: MigrationEdit | undefined;
}

export interface MissingEntry {
  tag: string;
  hash: string;
  createdAt: number;
  appliedAt?: string | undefined;
}

export interface Reconciliation {
  entries: ReconciledEntry[];
  missing: MissingEntry[];
  newestApplied: { tag: string; when: number } | undefined;
}

/**
 * Matches the migrations folder with what the database recorded. drizzle-orm identifies a
 * migration by its journal `when` (stored as created_at) and stores the file's sha256; we also
 * keep the tag. A migration unknown to both tables but older than the newest applied one is
 * out of order: drizzle-orm would skip it silently (drizzle-team/drizzle-orm#5769).
 */
export function reconcile(files: MigrationFile[], ours: AppliedRow[], drizzle: DrizzleRow[]): Reconciliation {
  const oursByTag = new Map(ours.map((r) => [r.tag, r]));
  const drizzleByWhen = new Map<number, DrizzleRow>();
  for (const row of drizzle) if (!drizzleByWhen.has(row.createdAt)) drizzleByWhen.set(row.createdAt, row);

  let newestApplied: { tag: string; when: number } | undefined;
  const entries: ReconciledEntry[] = files.map((file) => {
    const mine = oursByTag.get(file.tag);
    const theirs = mine ? undefined : drizzleByWhen.get(file.when);
    const row = mine ?? theirs;
    if (!row) return { file, state: 'pending', adoptFromDrizzle: false };
    if (!newestApplied || file.when > newestApplied.when) newestApplied = { tag: file.tag, when: file.when };
    return {
      file,
      state: row.hash === file.hash ? 'applied' : 'modified',
      appliedHash: row.hash,
      appliedAt: mine?.appliedAt,
      adoptFromDrizzle: !mine,
    };
  });

  const tags = new Set(files.map((f) => f.tag));
  const whens = new Set(files.map((f) => f.when));
  const missing: MissingEntry[] = [];
  for (const row of ours) {
    if (!tags.has(row.tag)) missing.push({ tag: row.tag, hash: row.hash, createdAt: row.createdAt, appliedAt: row.appliedAt });
  }
  const oursWhens = new Set(ours.map((r) => r.createdAt));
  for (const row of drizzle) {
    if (!whens.has(row.createdAt) && !oursWhens.has(row.createdAt)) {
      missing.push({ tag: `created_at=${row.createdAt}`, hash: row.hash, createdAt: row.createdAt });
    }
  }
  const newestMissing = missing.reduce((max, m) => Math.max(max, m.createdAt), -Infinity);
  const newestWhen = Math.max(newestApplied?.when ?? -Infinity, newestMissing);
  for (const entry of entries) {
    if (entry.state === 'pending' && entry.file.when < newestWhen) entry.state = 'out-of-order';
  }
  return { entries, missing, newestApplied };
}

/**
 * The integrity rules a run enforces before touching anything: applied files are unchanged,
 * applied files are all present, and nothing older than the newest applied migration is pending
 * unless the caller allows it.
 */
export function assertConsistent(r: Reconciliation, options: { allowOutOfOrder?: boolean | undefined }): void {
  // An edit of comments and whitespace only changes nothing that runs: it does not block.
  const modified = r.entries.find((e) => e.state === 'modified' && e.edit?.change !== 'comments');
  if (modified) throw new ChecksumMismatchError(modified.file.tag, modified.file.path, modified.appliedHash ?? '', modified.file.hash, modified.edit);
  if (r.missing.length > 0) throw new MissingMigrationError(r.missing.map((m) => m.tag));
  const outOfOrder = r.entries.filter((e) => e.state === 'out-of-order').map((e) => e.file.tag);
  if (outOfOrder.length > 0 && !options.allowOutOfOrder) {
    throw new MigrationOrderError(outOfOrder, r.newestApplied?.tag ?? 'the newest applied migration');
  }
}
