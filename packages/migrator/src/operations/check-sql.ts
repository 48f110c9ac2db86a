import type { Queryable } from '../db/metadata.js';
import { MigratorError } from '../errors.js';

/**
 * Asks PostgreSQL whether an expression the user gave (a type, a default, a value for existing
 * rows, a cast) makes sense against the table, without reading a row or taking more than
 * ACCESS SHARE: `SELECT <expr> FROM table LIMIT 0` in a transaction that is rolled back.
 */
export async function checkExpression(db: Queryable, sql: string, what: string, hint: string): Promise<void> {
  await db.query('BEGIN');
  try {
    await db.query("SET LOCAL statement_timeout = '5s'; SET LOCAL lock_timeout = '2s'");
    await db.query(sql);
  } catch (error) {
    throw new MigratorError('E_OPERATION', `${what}: ${(error as Error).message}`, { cause: error, hint });
  } finally {
    await db.query('ROLLBACK').catch(() => {});
  }
}
