import type { Queryable } from '../db/metadata.js';
import { MigratorError } from '../errors.js';
import { checkOnEmptyCopy } from './check-sql.js';
import { makeObjectName } from '../sql/index-name.js';
import { relationOrConstraintExists, type TableInfo } from './catalog.js';

/** A constraint name: given, else PostgreSQL's style (`orders_user_id_fkey`, `orders_check`), refused when taken. */
export async function constraintName(db: Queryable, table: TableInfo, given: string | undefined, columns: string, label: string): Promise<string> {
  const name = given ?? makeObjectName(table.name, columns.split(',').map((c) => c.trim().replace(/"/g, '')).filter(Boolean).join('_') || undefined, label);
  if (await relationOrConstraintExists(db, table.schema, name)) {
    throw new MigratorError('E_OPERATION', `${table.schema}.${name} exists already`, { hint: 'pick another name with `name`' });
  }
  return name;
}

/**
 * Tries `ALTER TABLE ... ADD CONSTRAINT ... NOT VALID` on an empty copy of the table in a
 * transaction that is rolled back: the columns, types, referenced key and expression are checked
 * by PostgreSQL itself without touching the real table. `constraint` is the text after the name.
 */
export async function checkConstraint(db: Queryable, table: TableInfo, constraint: string, what: string): Promise<void> {
  await checkOnEmptyCopy(db, table.sql, (copy) => `ALTER TABLE ${copy} ADD CONSTRAINT sdk_check ${constraint} NOT VALID`, `${what} on ${table.display} is not valid`, 'check the column names (the names in the database), the referenced table and its key');
}

