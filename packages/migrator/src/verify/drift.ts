import type pg from 'pg';
import { connect } from '../db/connect.js';
import { DRIZZLE_SCHEMA, METADATA_SCHEMA, readApplied } from '../db/metadata.js';
import { ConfigError, JournalError } from '../errors.js';
import { operationFiles, readSnapshot, type Snapshot } from '../phased/index.js';
import { readMigrations, reconcileWithEdits } from '../runner/index.js';
import { compareShapes, type Difference, type DriftItem } from './compare.js';
import { expectedShape, snapshotSchemas } from './expected.js';
import { readShape, readSyncTriggers } from './live.js';

export type { DriftItem, DriftKind } from './compare.js';

export interface SchemaDriftOptions {
  /** The database to read; or `client`. */
  databaseUrl?: string | undefined;
  /**
   * An open connection to read through instead (not a pool: the snapshot is read through
   * temporary tables inside one transaction, rolled back). It must not be inside a transaction.
   */
  client?: pg.Client | pg.PoolClient | undefined;
  /** drizzle-kit's `out` folder: meta/_journal.json, meta/NNNN_snapshot.json and the .sql files. */
  migrationsFolder: string;
  /**
   * The schemas compared. Default: the ones the snapshot describes (its tables', its enums', and
   * the ones it creates), as drizzle-kit's `schemaFilter` limits them. `sdk_migrator` and
   * `drizzle` (the migrations' bookkeeping) are never compared.
   */
  schemas?: readonly string[] | undefined;
}

/** What an expand/contract operation left on purpose between its expand and its contract. */
export interface InFlightItem {
  /** The drift kind it would be, or `sync-trigger`. */
  kind: DriftItem['kind'] | 'sync-trigger';
  object: string;
  /** The operation (its name in the files: `add_status`), when the journal says which. */
  operation?: string;
  /** One line. */
  message: string;
}

export interface DriftReport {
  /** The applied migration whose snapshot the database was compared with. */
  snapshotTag: string;
  /** No drift (objects of an operation in flight are not drift). */
  clean: boolean;
  items: DriftItem[];
  /** Objects an expand/contract operation keeps while it waits for its contract: expected now, gone after the contract. */
  inFlight: InFlightItem[];
  /** Operations whose expand is applied and whose contract is not. */
  operationsInFlight: string[];
  /** The schemas compared. */
  schemas: string[];
}

/** The runner's bookkeeping: never the application's schema. */
const SDK_SCHEMAS = new Set([METADATA_SCHEMA, DRIZZLE_SCHEMA]);

/**
 * Compares the live schema with drizzle-kit's snapshot of the last applied migration (the
 * migration the database says it ran last, in journal order): tables, columns with their type,
 * NOT NULL and default, primary keys, indexes, unique, foreign key and check constraints, enums.
 * Types, defaults, checks and index definitions are compared as PostgreSQL prints them (the
 * snapshot's are run through PostgreSQL on temporary tables), so `varchar(20)` matches
 * `character varying(20)` and `'active'` matches `'active'::character varying`.
 *
 * What an expand/contract operation keeps between its expand and its contract (its sync
 * triggers, `*_sdk_new` columns, `*_sdk_new`/`*_sdk_old` tables, NOT VALID `*_not_null` checks,
 * and what its contract's snapshot already has) is listed in `inFlight`, not as drift.
 * Functions, views, sequences, triggers other than the sync triggers, policies and grants are
 * not compared. Reads only (the temporary tables are rolled back).
 *
 * @throws JournalError (`E_JOURNAL`) when no migration of the folder is applied, or the last applied one has no snapshot.
 * @example
 * const drift = await schemaDrift({ databaseUrl: process.env.DATABASE_URL!, migrationsFolder: 'packages/db-config/migrations' });
 * if (!drift.clean) for (const item of drift.items) console.log(item.message);
 */
export async function schemaDrift(options: SchemaDriftOptions): Promise<DriftReport> {
  if (options.client) return driftOn(options.client, options);
  if (!options.databaseUrl) throw new ConfigError('schemaDrift needs `databaseUrl` or `client`', { hint: 'pass `databaseUrl` (postgres://...) or an open `client`' });
  const client = await connect(options.databaseUrl, { applicationName: 'sdk db verify' });
  try {
    return await driftOn(client, options);
  } finally {
    await client.end().catch(() => {});
  }
}

async function driftOn(db: pg.Client | pg.PoolClient, options: SchemaDriftOptions): Promise<DriftReport> {
  const folder = options.migrationsFolder;
  const files = await readMigrations(folder);
  const { ours, drizzle } = await readApplied(db);
  const state = await reconcileWithEdits(files, ours, drizzle);
  const applied = new Set(state.entries.filter((e) => e.state === 'applied' || e.state === 'modified').map((e) => e.file.tag));
  const last = [...state.entries].reverse().find((e) => applied.has(e.file.tag))?.file;
  if (!last) {
    throw new JournalError(folder, `no migration of ${folder} is applied to this database, so there is no snapshot to compare it with`, {
      hint: 'apply the migrations first (`sdk db migrate`), or point `migrationsFolder` at the folder this database was migrated from',
    });
  }
  const snapshot = await readSnapshot(folder, last.idx);
  if (!snapshot) {
    throw new JournalError(folder, `${last.tag} is the last applied migration, and drizzle-kit wrote no snapshot for it (meta/${String(last.idx).padStart(4, '0')}_snapshot.json)`, {
      hint: 'restore the snapshot from git; a migration written by hand should be made with `drizzle-kit generate --custom`, which writes one',
    });
  }
  const schemas = (options.schemas ? [...options.schemas] : snapshotSchemas(snapshot)).filter((s) => !SDK_SCHEMAS.has(s));
  const live = await readShape(db, { schemas });
  const differences = compareShapes(await expectedShape(db, snapshot), live, last.tag);

  // Operations between their expand and their contract, and the schema their contract ends in.
  const operations = new Map<string, { tags: string[]; lastIdx: number }>();
  for (const f of await operationFiles(folder)) {
    const op = operations.get(f.name) ?? { tags: [], lastIdx: f.idx };
    op.tags.push(f.tag);
    op.lastIdx = Math.max(op.lastIdx, f.idx);
    operations.set(f.name, op);
  }
  const inFlightOps: Array<{ name: string; target: Set<string> | undefined }> = [];
  for (const [name, op] of operations) {
    if (!op.tags.some((t) => applied.has(t)) || op.tags.every((t) => applied.has(t))) continue;
    const target: Snapshot | undefined = await readSnapshot(folder, op.lastIdx);
    // Differences that remain against the contract's snapshot are not the operation's doing.
    const remaining = target ? new Set(compareShapes(await expectedShape(db, target), live, last.tag).map((d) => key(d.item))) : undefined;
    inFlightOps.push({ name, target: remaining });
  }

  const triggers = await readSyncTriggers(db, schemas);
  const items: DriftItem[] = [];
  const inFlight: InFlightItem[] = [];
  for (const d of differences) {
    const op = explainedBy(d, inFlightOps, triggers);
    if (op === undefined) {
      items.push(leftover(d) ? { ...d.item, message: `${d.item.message}; its name is one an expand/contract operation gives what it keeps until its contract, and no operation is between its expand and contract` } : d.item);
    } else {
      inFlight.push({ kind: d.item.kind, object: d.item.object, ...(op ? { operation: op } : {}), message: `${d.item.message}: kept by operation ${op || 'in flight'} until its contract` });
    }
  }
  for (const t of triggers) {
    const op = inFlightOps.length === 1 ? inFlightOps[0]!.name : undefined;
    inFlight.push({ kind: 'sync-trigger', object: `${t.table}.${t.name}`, ...(op ? { operation: op } : {}), message: `sync trigger ${t.name} on ${t.table} keeps two columns equal until the contract of ${op ? `operation ${op}` : 'its operation'}` });
  }
  return { snapshotTag: last.tag, clean: items.length === 0, items, inFlight, operationsInFlight: inFlightOps.map((o) => o.name), schemas };
}

const key = (item: DriftItem) => `${item.kind} ${item.object}`;
const bare = (name: string) => name.replace(/^"|"$/g, '');

/** Named as an operation names what it keeps until its contract: `*_sdk_new` / `*_sdk_old` tables, `*_sdk_new` columns, NOT VALID `*_not_null` checks. */
function leftover(d: Difference): boolean {
  const table = d.table?.split('.').pop() ?? '';
  if (/_sdk_(new|old)$/.test(table)) return true;
  if (d.columns.some((c) => bare(c).endsWith('_sdk_new'))) return true;
  return d.notValid === true && (d.constraint?.endsWith('_not_null') ?? false);
}

/**
 * The operation in flight a difference belongs to: its name, '' when one is in flight but which
 * is unknown, undefined when it is drift.
 */
function explainedBy(d: Difference, ops: ReadonlyArray<{ name: string; target: Set<string> | undefined }>, triggers: ReadonlyArray<{ table: string; name: string }>): string | undefined {
  if (ops.length === 0) return undefined;
  // The contract's snapshot has it: the expand put it there ahead of the contract.
  const byTarget = ops.find((o) => o.target && !o.target.has(key(d.item)));
  if (byTarget) return byTarget.name;
  const only = ops.length === 1 ? ops[0]!.name : '';
  if (leftover(d)) return only;
  // A column synced by a trigger (`sdk_sync_<column>`), and the old column whose default the trigger took over.
  const synced = triggers.filter((t) => t.table === d.table);
  if (d.item.kind === 'extra-column' && synced.some((t) => t.name === `sdk_sync_${d.columns[0]}`)) return only;
  if (d.item.kind === 'column-default' && synced.length > 0) return only;
  return undefined;
}
