import type { Queryable } from '../db/metadata.js';
import { MigratorError } from '../errors.js';

/**
 * Runs `trial` in a transaction that is always rolled back, under short lock and statement
 * timeouts: the operations ask PostgreSQL itself whether what the user gave makes sense, and
 * nothing they try stays.
 */
export async function rolledBack<T>(db: Queryable, trial: () => Promise<T>, statementTimeout = '5s'): Promise<T> {
  await db.query('BEGIN');
  try {
    await db.query(`SET LOCAL lock_timeout = '2s'; SET LOCAL statement_timeout = '${statementTimeout}'`);
    return await trial();
  } finally {
    await db.query('ROLLBACK').catch(() => {});
  }
}

/** `trial` rolled back; a failure of it is E_OPERATION `<what>: <PostgreSQL's message>` with `hint`. */
async function explained(db: Queryable, trial: () => Promise<unknown>, what: string, hint: string): Promise<void> {
  await rolledBack(db, async () => {
    try {
      await trial();
    } catch (error) {
      throw new MigratorError('E_OPERATION', `${what}: ${(error as Error).message}`, { cause: error, hint });
    }
  });
}

/**
 * Asks PostgreSQL whether an expression the user gave (a type, a default, a value for existing
 * rows, a cast) makes sense against the table, without reading a row or taking more than
 * ACCESS SHARE: `SELECT <expr> FROM table LIMIT 0`, rolled back.
 */
export async function checkExpression(db: Queryable, sql: string, what: string, hint: string): Promise<void> {
  await explained(db, () => db.query(sql), what, hint);
}

/**
 * Runs `statement(copy)` on an empty `CREATE TEMP TABLE copy (LIKE table)`, rolled back: an index or
 * constraint the user described is checked by PostgreSQL itself (columns, expressions, predicate)
 * with nothing more than ACCESS SHARE on the real table. EXPLAIN plans nothing for DDL.
 */
export async function checkOnEmptyCopy(db: Queryable, tableSql: string, statement: (copy: string) => string, what: string, hint: string): Promise<void> {
  await explained(
    db,
    async () => {
      await db.query(`CREATE TEMP TABLE sdk_check (LIKE ${tableSql}) ON COMMIT DROP`);
      await db.query(statement('sdk_check'));
    },
    what,
    hint,
  );
}
