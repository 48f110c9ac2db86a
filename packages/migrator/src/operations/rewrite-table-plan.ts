import { quoteIdent } from '../sql/quote.js';
import { qualifiedName } from './catalog.js';
import type { IndexFact, TriggerFact } from './rewrite-table-facts.js';
import { LOCKS, literal, sqlStep } from './steps.js';
import type { CopyStep, OperationStep, SqlStep } from './types.js';

// rewrite-table's steps, from what resolve found (rewrite-table.ts): the new table and the capture
// trigger (expand), the copy (backfill), the swap (contract), and the statements that undo the expand.

/** An index or constraint of the table: built on the new table under `temp`, it takes `name` at the swap, and the old one becomes `retired`. */
export interface CarriedIndex {
  name: string;
  temp: string;
  retired: string;
  /** The statement that builds it on the new table, with `{table}` for the new table. */
  create: string;
}

export interface RewriteTableResolved {
  display: string;
  schema: string;
  /** The table's name, which the new table takes at the swap. */
  name: string;
  tableSql: string;
  newName: string;
  newSql: string;
  oldName: string;
  partitionBy: string | undefined;
  defaultPartitionSql: string | undefined;
  unlogged: boolean;
  /** `ALTER COLUMN ... TYPE` for the changed columns, and their types as PostgreSQL writes them. */
  typeChanges: Array<{ column: string; type: string }>;
  /** The owner to give the new table, when it is not the role that runs the migration. */
  owner: string | undefined;
  comment: string | null;
  reloptions: string[];
  /** Target columns (quoted), the source expressions of the copy, and the same over NEW for the trigger. */
  columns: string[];
  select: string[];
  values: string[];
  /** The key's columns, with the new type of those whose type changes. */
  key: Array<{ column: string; type: string | undefined }>;
  indexes: CarriedIndex[];
  foreignKeys: Array<{ name: string; definition: string }>;
  grants: string[];
  identities: Array<{ column: string; always: boolean; sequenceSql: string; retired: string; retiredSql: string; options: string }>;
  ownedSequences: Array<{ sequenceSql: string; column: string; as: string | undefined }>;
  triggers: TriggerFact[];
  fnSql: string;
}

export const CAPTURE_TRIGGER = 'sdk_rewrite';
export const CAPTURE_TRUNCATE_TRIGGER = 'sdk_rewrite_truncate';
export const TYPES_STEP = 'set the new column types';

const LOCKS_NEW_TABLE = 'none on the table: the new table is empty and nothing uses it yet';
const LOCKS_SWAP = 'ACCESS EXCLUSIVE on both tables from here to the commit of this short transaction (renames and catalog changes only, no scan): queries on the table wait that long, and at most lock_timeout for it';

/** Every step: the expand, the copy, the swap. */
export function rewriteSteps(r: RewriteTableResolved): OperationStep[] {
  return [...expandSteps(r), copyStep(r), ...swapSteps(r)];
}

/** What undoes the expand (before the swap): the trigger, its function, the new table. */
export function rewriteRollback(r: RewriteTableResolved): string[] {
  return [
    `DROP TRIGGER IF EXISTS ${quoteIdent(CAPTURE_TRIGGER)} ON ${r.tableSql};`,
    `DROP TRIGGER IF EXISTS ${quoteIdent(CAPTURE_TRUNCATE_TRIGGER)} ON ${r.tableSql};`,
    `DROP FUNCTION IF EXISTS ${r.fnSql}();`,
    `DROP TABLE IF EXISTS ${r.newSql};`,
  ];
}

/** `("id") = (OLD."id"::bigint)`: the new table's row with the key of row `row` of the old one. */
export function keyMatch(r: RewriteTableResolved, alias: string | undefined, row: string): string {
  const mine = (c: string) => (alias ? `${alias}.${quoteIdent(c)}` : quoteIdent(c));
  return `(${r.key.map((k) => mine(k.column)).join(', ')}) = (${r.key.map((k) => `${row}.${quoteIdent(k.column)}${k.type ? `::${k.type}` : ''}`).join(', ')})`;
}

/** The statement that builds an index or constraint of the old table on the new one, under its temporary name. */
export function createIndex(i: IndexFact, temp: string): string {
  return i.constraint
    ? `ALTER TABLE {table} ADD CONSTRAINT ${quoteIdent(temp)} ${i.definition};`
    : `CREATE ${i.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(temp)} ON {table} ${i.definition};`;
}

const on = (statement: string, tableSql: string) => statement.replaceAll('{table}', tableSql);

/** The new, empty table in its new shape, then its indexes: what the expand runs first, and what resolve tries out. */
export function shapeSteps(r: RewriteTableResolved): { table: SqlStep[]; indexes: SqlStep[] } {
  const t = r.newSql;
  const steps: SqlStep[] = [
    sqlStep(
      'create the new table',
      'expand',
      // Indexes are built under names of their own (the old table keeps its names until the swap);
      // identity comes at the swap: until then the trigger and the copy write the old table's values.
      `CREATE ${r.unlogged ? 'UNLOGGED ' : ''}TABLE ${t} (LIKE ${r.tableSql} INCLUDING ALL EXCLUDING INDEXES EXCLUDING IDENTITY)${r.partitionBy ? ` PARTITION BY ${r.partitionBy}` : ''};`,
      `ACCESS SHARE on ${r.display} while it reads its definition (reads and writes continue)`,
    ),
  ];
  if (r.typeChanges.length > 0) {
    // USING: the table is empty, this only asks that the type can be reached at all; the copy and the trigger convert each value.
    const clauses = r.typeChanges.map((c) => `ALTER COLUMN ${quoteIdent(c.column)} TYPE ${c.type} USING ${quoteIdent(c.column)}::${c.type}`);
    steps.push(sqlStep(TYPES_STEP, 'expand', `ALTER TABLE ${t} ${clauses.join(', ')};`, LOCKS_NEW_TABLE));
  }
  if (r.defaultPartitionSql) {
    steps.push(sqlStep('create the default partition', 'expand', `CREATE TABLE ${r.defaultPartitionSql} PARTITION OF ${t} DEFAULT;`, LOCKS_NEW_TABLE));
  }
  return { table: steps, indexes: r.indexes.map((index) => sqlStep(`build ${index.name} on the new table`, 'expand', on(index.create, t), LOCKS_NEW_TABLE)) };
}

function expandSteps(r: RewriteTableResolved): SqlStep[] {
  const t = r.newSql;
  const shape = shapeSteps(r);
  const steps = [...shape.table, ...shape.indexes];
  if (r.owner) steps.push(sqlStep('give it the old table\'s owner', 'expand', `ALTER TABLE ${t} OWNER TO ${r.owner};`, LOCKS_NEW_TABLE));
  if (r.comment !== null) steps.push(sqlStep('copy the table comment', 'expand', `COMMENT ON TABLE ${t} IS ${literal(r.comment)};`, LOCKS_NEW_TABLE));
  // A partitioned table has no storage of its own: its storage parameters go on the partition.
  if (r.reloptions.length > 0) steps.push(sqlStep('copy the storage parameters', 'expand', `ALTER TABLE ${r.defaultPartitionSql ?? t} SET (${r.reloptions.join(', ')});`, LOCKS_NEW_TABLE));
  for (const fk of r.foreignKeys) {
    // Valid at once: the table is empty, and every row the trigger or the copy writes is checked.
    steps.push(sqlStep(`add foreign key ${fk.name}`, 'expand', `ALTER TABLE ${t} ADD CONSTRAINT ${quoteIdent(fk.name)} ${fk.definition};`, `${LOCKS.addFk} (the new table is empty: nothing to validate)`));
  }
  for (const grant of r.grants) steps.push(sqlStep('grant what the old table grants', 'expand', on(grant, t), LOCKS_NEW_TABLE));
  steps.push(sqlStep('create the capture function', 'expand', captureFunction(r), 'none'));
  const trigger = `CREATE TRIGGER ${quoteIdent(CAPTURE_TRIGGER)} AFTER INSERT OR UPDATE OR DELETE ON ${r.tableSql} FOR EACH ROW EXECUTE FUNCTION ${r.fnSql}();`;
  steps.push(sqlStep('mirror every write into the new table', 'expand', trigger, `${LOCKS.trigger}; from then on every write also writes the new table`));
  steps.push(sqlStep('mirror TRUNCATE', 'expand', `CREATE TRIGGER ${quoteIdent(CAPTURE_TRUNCATE_TRIGGER)} AFTER TRUNCATE ON ${r.tableSql} FOR EACH STATEMENT EXECUTE FUNCTION ${r.fnSql}();`, LOCKS.trigger));
  return steps;
}

/**
 * The capture trigger, after each row is written: an INSERT is inserted (a row the copy already
 * wrote is kept: it cannot be older), an UPDATE replaces the row under its old key, a DELETE
 * deletes it. The copy's batches lock the rows they read FOR SHARE, so a write to a row being
 * copied waits for the batch and then finds the copied row here. SECURITY DEFINER: the
 * application's role may update the old table without the right to delete from the new one.
 */
export function captureFunction(r: RewriteTableResolved): string {
  const match = keyMatch(r, undefined, 'OLD');
  const insert = `INSERT INTO ${r.newSql} (${r.columns.join(', ')}) VALUES (${r.values.join(', ')})`;
  return `CREATE FUNCTION ${r.fnSql}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $sdk$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE ${r.newSql};
  ELSIF TG_OP = 'INSERT' THEN
    ${insert} ON CONFLICT DO NOTHING;
  ELSE
    DELETE FROM ${r.newSql} WHERE ${match};
    IF TG_OP = 'UPDATE' THEN
      ${insert};
    END IF;
  END IF;
  RETURN NULL;
END
$sdk$;`;
}

function copyStep(r: RewriteTableResolved): CopyStep {
  return { kind: 'copy', name: 'copy the rows', phase: 'backfill', table: r.tableSql, into: r.newSql, columns: r.columns, select: r.select, locks: `${LOCKS.backfill}; rows of a batch are locked FOR SHARE (a write to one waits for the batch)` };
}

/** The swap, in one transaction: every step below runs under the LOCK of the first. */
function swapSteps(r: RewriteTableResolved): SqlStep[] {
  const t = r.newSql;
  const old = r.tableSql;
  const target = qualifiedName(r.schema, r.name);
  const steps: SqlStep[] = [
    sqlStep(
      'lock both tables',
      'contract',
      // Taken first and together, so no write lands between dropping the trigger and the renames.
      `LOCK TABLE ${old}, ${t} IN ACCESS EXCLUSIVE MODE; -- sdk-lint-ignore locking-table: the swap must stop writes until the renames commit; the rest of this transaction is catalog changes only`,
      LOCKS_SWAP,
    ),
    sqlStep('drop the capture trigger', 'contract', `DROP TRIGGER ${quoteIdent(CAPTURE_TRIGGER)} ON ${old};`, 'held already'),
    sqlStep('drop the TRUNCATE trigger', 'contract', `DROP TRIGGER ${quoteIdent(CAPTURE_TRUNCATE_TRIGGER)} ON ${old};`, 'held already'),
    sqlStep('drop the capture function', 'contract', `DROP FUNCTION ${r.fnSql}();`, 'none'),
  ];
  for (const fk of r.foreignKeys) {
    // The new table has its own copy; left on the old one, it would refuse deleting a row its stale rows still reference.
    steps.push(sqlStep(`drop ${fk.name} from the old table`, 'contract', `ALTER TABLE ${old} DROP CONSTRAINT ${quoteIdent(fk.name)};`, 'SHARE ROW EXCLUSIVE on the referenced table for an instant, waiting at most lock_timeout for it'));
  }
  for (const id of r.identities) {
    const column = quoteIdent(id.column);
    steps.push(
      sqlStep(`free the name of ${id.sequenceSql}`, 'contract', `ALTER SEQUENCE ${id.sequenceSql} RENAME TO ${quoteIdent(id.retired)};`, 'held already'),
      sqlStep(`make ${id.column} an identity again`, 'contract', `ALTER TABLE ${t} ALTER COLUMN ${column} ADD GENERATED ${id.always ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY (${id.options});`, 'held already'),
      sqlStep(`continue ${id.column}'s sequence`, 'contract', `SELECT pg_catalog.setval(${literal(id.sequenceSql)}::regclass, last_value, is_called) FROM ${id.retiredSql};`, 'none'),
    );
  }
  for (const index of r.indexes) {
    steps.push(
      sqlStep(`retire ${index.name}`, 'contract', `ALTER INDEX ${qualifiedName(r.schema, index.name)} RENAME TO ${quoteIdent(index.retired)};`, 'held already'),
      sqlStep(`name the new ${index.name}`, 'contract', `ALTER INDEX ${qualifiedName(r.schema, index.temp)} RENAME TO ${quoteIdent(index.name)};`, 'held already'),
    );
  }
  steps.push(
    sqlStep('retire the old table', 'contract', `ALTER TABLE ${old} RENAME TO ${quoteIdent(r.oldName)}; -- sdk-lint-ignore renaming-table: the new table takes its name in the same transaction`, 'held already'),
    sqlStep('give the new table the name', 'contract', `ALTER TABLE ${t} RENAME TO ${quoteIdent(r.name)}; -- sdk-lint-ignore renaming-table: it takes the name the application uses, in the same transaction`, 'held already'),
  );
  for (const s of r.ownedSequences) {
    // Serial defaults (nextval) came over with LIKE; the sequence must belong to the table that stays.
    steps.push(sqlStep(`move ${s.sequenceSql} to the new table`, 'contract', `ALTER SEQUENCE ${s.sequenceSql} OWNED BY ${target}.${quoteIdent(s.column)};`, 'held already'));
    if (s.as) steps.push(sqlStep(`widen ${s.sequenceSql}`, 'contract', `ALTER SEQUENCE ${s.sequenceSql} AS ${s.as};`, 'none'));
  }
  for (const trigger of r.triggers) {
    // pg_get_triggerdef names the table: after the renames that name is the new table.
    steps.push(sqlStep(`recreate trigger ${trigger.name}`, 'contract', `${trigger.definition};`, 'held already'));
    const state = { D: 'DISABLE TRIGGER', R: 'ENABLE REPLICA TRIGGER', A: 'ENABLE ALWAYS TRIGGER' }[trigger.enabled];
    if (state) steps.push(sqlStep(`${state.toLowerCase()} ${trigger.name}`, 'contract', `ALTER TABLE ${target} ${state} ${quoteIdent(trigger.name)};`, 'held already'));
  }
  return steps;
}
