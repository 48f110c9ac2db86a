import { countRows, DEFAULT_EXACT_COUNT_MAX_BYTES } from '../db/row-counts.js';
import { METADATA_SCHEMA, readApplied, type Queryable } from '../db/metadata.js';
import { redactUrl } from '../util/redact.js';
import { dumpedTables, type serverIdentity } from './catalog.js';
import type { ExtraObject } from './exact.js';
import type { Manifest, TableCount } from './manifest.js';
import { HISTORY_TABLE } from './restore-history.js';

/** How long the preview waits to count a table: one locked by a migration is shown with its estimate instead. */
const COUNT_LOCK_TIMEOUT_MS = 500;

/** One table whose row count the restore changes. */
export interface RowCountChange {
  /** `schema.name`. */
  table: string;
  /** Rows before the restore; null when the target does not have the table (the backup brings it back). */
  before: number | null;
  /** Whether `before` was counted (a table up to DEFAULT_EXACT_COUNT_MAX_BYTES) or is the statistics' estimate. */
  beforeExact: boolean;
  /** Rows in the backup (in the preview) or counted after the restore (in the result); null when the restore drops the table. */
  after: number | null;
}

/** What a restore will replace, shown before anything is touched. */
export interface RestorePreview {
  archive: string;
  target: string;
  targetDatabase: string;
  backup: {
    database: string;
    createdAt: string;
    newestMigration: string | null;
    tables: number;
    rows: number;
    verifiedAt: string | null;
  };
  current: {
    newestMigration: string | null;
    /** Tables now in the target, with the planner's row estimate. */
    tables: { schema: string; name: string; rows: number }[];
  };
  /** Target tables the backup also has: dropped and replaced by the backup's. */
  replaced: string[];
  /** What the target has and the backup does not (made after it): dropped, so the database is exactly the backup's. */
  dropped: string[];
  /** The backup was made on another server (system identifiers differ). */
  otherServer: boolean;
  /** Per table whose row count differs between the target now and the backup (the audit history left out: it is kept). */
  rowChanges: RowCountChange[];
  /** Migrations applied now that the backup does not have: the restore undoes them, and `sdk db migrate` applies them again. */
  undoneMigrations: string[];
  /** The runner's audit history: kept across the restore with a row added for it; null when the target has none yet. */
  history: { table: string; rows: number } | null;
}

export async function previewOf(
  client: Queryable,
  archive: string,
  manifest: Manifest,
  url: string,
  identity: Awaited<ReturnType<typeof serverIdentity>>,
  extras: ExtraObject[],
): Promise<RestorePreview> {
  const tables = await dumpedTables(client);
  const applied = await readApplied(client);
  const inBackup = new Set(manifest.tables.map((t) => `${t.schema}.${t.name}`));
  const names = tables.map((t) => `${t.schema}.${t.name}`);
  const now = await countedNow(client, tables);
  const history = now.get(HISTORY_TABLE);
  const backupTags = new Set(manifest.migrations.map((m) => m.tag));
  return {
    archive,
    target: redactUrl(url),
    targetDatabase: identity.database,
    backup: {
      database: manifest.database.name,
      createdAt: manifest.createdAt,
      newestMigration: manifest.migrations.at(-1)?.tag ?? null,
      tables: manifest.tables.length,
      rows: manifest.totalRows,
      verifiedAt: manifest.verification?.ok ? manifest.verification.at : null,
    },
    current: {
      newestMigration: applied.ours.at(-1)?.tag ?? null,
      tables: tables.map((t) => ({ schema: t.schema, name: t.name, rows: t.rows })),
    },
    replaced: names.filter((n) => inBackup.has(n)),
    // The history is set aside before the drops and kept (restore-history.ts): not dropped.
    dropped: extras
      .filter((e) => e.label !== `table ${HISTORY_TABLE}`)
      .map((e) => (history && e.label === `schema ${METADATA_SCHEMA} (and everything in it)` ? `schema ${METADATA_SCHEMA} (and everything in it but the audit history, which is kept)` : e.label)),
    otherServer: manifest.database.systemIdentifier !== null && identity.systemIdentifier !== null && manifest.database.systemIdentifier !== identity.systemIdentifier,
    rowChanges: rowChanges(now, manifest.tables),
    undoneMigrations: applied.ours.map((m) => m.tag).filter((tag) => !backupTags.has(tag)),
    history: history ? { table: HISTORY_TABLE, rows: history.rows } : null,
  };
}

/**
 * Rows of each table now: counted when its heap is at most DEFAULT_EXACT_COUNT_MAX_BYTES and it
 * is not locked (count takes ACCESS SHARE; a table a migration holds is not waited for), else
 * the statistics' live-row estimate.
 */
async function countedNow(client: Queryable, tables: Awaited<ReturnType<typeof dumpedTables>>): Promise<Map<string, { rows: number; exact: boolean }>> {
  const out = new Map<string, { rows: number; exact: boolean }>();
  await client.query(`SET lock_timeout = ${COUNT_LOCK_TIMEOUT_MS}`);
  try {
    for (const t of tables) {
      const counted = t.bytes <= DEFAULT_EXACT_COUNT_MAX_BYTES ? await countRows(client, t.schema, t.name) : undefined;
      out.set(`${t.schema}.${t.name}`, counted === undefined ? { rows: t.rows, exact: false } : { rows: counted, exact: true });
    }
  } finally {
    await client.query('RESET lock_timeout');
  }
  return out;
}

/** The tables whose row counts differ between `now` and `after`, in schema and name order; the audit history left out. */
export function rowChanges(now: Map<string, { rows: number; exact: boolean }>, after: readonly TableCount[]): RowCountChange[] {
  const afterByName = new Map(after.map((t) => [`${t.schema}.${t.name}`, t.rows]));
  const names = [...new Set([...now.keys(), ...afterByName.keys()])].filter((n) => n !== HISTORY_TABLE).sort();
  const changes: RowCountChange[] = [];
  for (const table of names) {
    const before = now.get(table);
    const rows = afterByName.get(table);
    if (before && rows !== undefined && before.rows === rows) continue;
    changes.push({ table, before: before?.rows ?? null, beforeExact: before?.exact ?? true, after: rows ?? null });
  }
  return changes;
}
