import type { Queryable } from '../db/metadata.js';
import { MigratorError } from '../errors.js';
import { quoteIdent } from '../sql/quote.js';
import { columnOf, qualifiedName, readTable, type TableInfo } from './catalog.js';
import { constraintName } from './add-constraint.js';
import { LOCKS, sqlStep } from './steps.js';
import type { Operation, OperationPlan } from './types.js';

export interface AddForeignKeyInput {
  table: string;
  /** Referencing columns, comma-separated: `user_id`. */
  columns: string;
  /** Referenced table: `auth.users`. */
  references: string;
  /** Referenced columns; default: its primary key. */
  referencedColumns?: string | undefined;
  name?: string | undefined;
  onDelete?: string | undefined;
  onUpdate?: string | undefined;
}

export interface AddForeignKeyResolved {
  tableSql: string;
  display: string;
  name: string;
  definition: string;
}

const ACTIONS = new Set(['no action', 'restrict', 'cascade', 'set null', 'set default']);
const split = (list: string) => list.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1')).filter(Boolean);

/** A foreign key as plain facts: column names, the referenced table, and the actions as SQL words (`set null`). */
export interface ForeignKeyFacts {
  columns: readonly string[];
  references: Pick<TableInfo, 'schema' | 'name'>;
  /** Empty: the referenced table's primary key (resolve() always names its columns). */
  refColumns: readonly string[];
  onDelete?: string | undefined;
  onUpdate?: string | undefined;
}

/**
 * The plan's input from facts, without a database: resolve() passes what it checked in the
 * catalog; the linter passes the statement's own key, and its help for ADD CONSTRAINT ...
 * FOREIGN KEY is this plan, printed.
 */
export function namedForeignKey(table: Pick<TableInfo, 'sql' | 'display'>, name: string, key: ForeignKeyFacts): AddForeignKeyResolved {
  const definition =
    `FOREIGN KEY (${key.columns.map(quoteIdent).join(', ')}) REFERENCES ${qualifiedName(key.references.schema, key.references.name)}` +
    (key.refColumns.length > 0 ? ` (${key.refColumns.map(quoteIdent).join(', ')})` : '') +
    (key.onDelete ? ` ON DELETE ${key.onDelete.toUpperCase()}` : '') +
    (key.onUpdate ? ` ON UPDATE ${key.onUpdate.toUpperCase()}` : '');
  return { tableSql: table.sql, display: table.display, name, definition };
}

/**
 * A foreign key added NOT VALID (new writes are checked at once; only a brief SHARE ROW EXCLUSIVE
 * on both tables), then validated in a later transaction, which reads every row under SHARE
 * UPDATE EXCLUSIVE while reads and writes go on.
 */
export const addForeignKey: Operation<AddForeignKeyInput, AddForeignKeyResolved> = {
  kind: 'add-foreign-key',
  summary: 'add a foreign key NOT VALID, then validate it without blocking writes',
  async resolve(db: Queryable, input: AddForeignKeyInput): Promise<AddForeignKeyResolved> {
    const table = await readTable(db, input.table);
    const referenced = await readTable(db, input.references);
    const columns = split(input.columns);
    for (const c of columns) columnOf(table, c);
    const refColumns = input.referencedColumns ? split(input.referencedColumns) : referenced.primaryKey;
    for (const c of refColumns) columnOf(referenced, c);
    if (refColumns.length !== columns.length) {
      throw new MigratorError('E_OPERATION', `the foreign key has ${columns.length} column(s) but references ${refColumns.length} of ${referenced.display}`, {
        hint: 'name as many referenced columns as referencing ones, with --referenced-columns',
      });
    }
    const { rows } = await db.query(
      `SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = $1 AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
          AND i.indnkeyatts = $2 AND (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_catalog.pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])) = (SELECT array_agg(x ORDER BY x) FROM unnest($3::text[]) AS x)`,
      [referenced.oid, refColumns.length, refColumns],
    );
    if (rows.length === 0) {
      throw new MigratorError('E_OPERATION', `${referenced.display} (${refColumns.join(', ')}) has no unique index or primary key, which a foreign key needs`, {
        hint: `add one first: sdk db new add-unique ${referenced.display} --columns "${refColumns.join(', ')}"`,
      });
    }
    for (const [what, action] of [['--on-delete', input.onDelete], ['--on-update', input.onUpdate]] as const) {
      if (action !== undefined && !ACTIONS.has(action.toLowerCase())) {
        throw new MigratorError('E_OPERATION', `${what} ${action} is not a foreign key action`, { hint: 'use one of: no action, restrict, cascade, set null, set default' });
      }
    }
    const name = await constraintName(db, table, input.name, columns.join(','), 'fkey');
    return namedForeignKey(table, name, { columns, references: referenced, refColumns, onDelete: input.onDelete, onUpdate: input.onUpdate });
  },
  plan(r: AddForeignKeyResolved): OperationPlan {
    const name = quoteIdent(r.name);
    return {
      operation: 'add-foreign-key',
      summary: `add foreign key ${r.name} on ${r.display}`,
      table: r.display,
      steps: [
        sqlStep('add foreign key NOT VALID', 'expand', `ALTER TABLE ${r.tableSql} ADD CONSTRAINT ${name} ${r.definition} NOT VALID;`, `${LOCKS.addFk}; from then on every write is checked`),
        sqlStep('validate foreign key', 'contract', `ALTER TABLE ${r.tableSql} VALIDATE CONSTRAINT ${name};`, LOCKS.validateFk, { afterCommit: true }),
      ],
      rollback: [`ALTER TABLE ${r.tableSql} DROP CONSTRAINT IF EXISTS ${name};`],
      deploy: 'nothing has to be deployed in between; the validation fails, and can be run again, while an existing row breaks the key',
    };
  },
};
