import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface MigrationSpec {
  /** drizzle-kit style tag, e.g. `0001_add_phone`; defaults to `NNNN_mN`. */
  tag?: string;
  /** File contents; statements separated by `--> statement-breakpoint` and/or semicolons. */
  sql: string;
  /** Journal `when` (ms); defaults to a fixed base plus one second per position. */
  when?: number;
  /**
   * The schema after this migration, for drizzle-kit's `meta/NNNN_snapshot.json` (what
   * `schemaDrift` compares with): tables of `public`, each a list of columns. No snapshot when absent.
   */
  tables?: Record<string, SnapshotColumn[]>;
}

/** A column of a snapshot: name, type as drizzle-kit writes it (`text`, `varchar(20)`), NOT NULL, primary key. */
export type SnapshotColumn = [name: string, type: string, notNull: boolean, primaryKey?: boolean];

/** drizzle-kit's snapshot (version 7) of tables in `public`, without indexes or constraints other than the primary key. */
function snapshot(idx: number, tables: Record<string, SnapshotColumn[]>): string {
  const id = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;
  const table = (name: string, columns: SnapshotColumn[]) => ({
    name,
    schema: '',
    columns: Object.fromEntries(columns.map(([c, type, notNull, primaryKey]) => [c, { name: c, type, primaryKey: primaryKey ?? false, notNull }])),
    indexes: {},
    foreignKeys: {},
    compositePrimaryKeys: {},
    uniqueConstraints: {},
    policies: {},
    checkConstraints: {},
    isRLSEnabled: false,
  });
  return JSON.stringify({
    id: id(idx + 1),
    prevId: id(idx),
    version: '7',
    dialect: 'postgresql',
    tables: Object.fromEntries(Object.entries(tables).map(([name, columns]) => [`public.${name}`, table(name, columns)])),
    enums: {},
    schemas: {},
    sequences: {},
    roles: {},
    policies: {},
    views: {},
    _meta: { columns: {}, schemas: {}, tables: {} },
  }, null, 2);
}

/** Base `when` for generated journals: fixed, so hashes and ordering are reproducible. */
export const JOURNAL_BASE_WHEN = 1_700_000_000_000;

/** Writes a drizzle-kit migrations folder (`meta/_journal.json`, `<tag>.sql`, and the snapshots of specs with `tables`), in `dir` or a fresh temp dir. */
export async function writeMigrationsFolder(specs: MigrationSpec[], dir?: string): Promise<string> {
  const folder = dir ?? (await mkdtemp(join(tmpdir(), 'sdk-migrations-')));
  await mkdir(join(folder, 'meta'), { recursive: true });
  const entries = specs.map((spec, idx) => ({
    idx,
    version: '7',
    when: spec.when ?? JOURNAL_BASE_WHEN + idx * 1000,
    tag: spec.tag ?? `${String(idx).padStart(4, '0')}_m${idx}`,
    breakpoints: true,
  }));
  await writeFile(join(folder, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries }, null, 2));
  await Promise.all(specs.map((spec, i) => writeFile(join(folder, `${entries[i]!.tag}.sql`), spec.sql)));
  await Promise.all(specs.map((spec, i) => (spec.tables ? writeFile(join(folder, 'meta', `${String(i).padStart(4, '0')}_snapshot.json`), snapshot(i, spec.tables)) : undefined)));
  return folder;
}
