import { makeObjectName } from '../sql/index-name.js';
import { quoteIdent } from '../sql/quote.js';
import { BLOCKING_STEP_LOCK_TIMEOUT_MS, STEP_LOCK_TIMEOUT_MS, type BackfillStep, type SqlStep } from './types.js';

/** Lock descriptions shared by the operations' steps (docs/operations.md repeats them per operation). */
export const LOCKS = {
  instant: 'ACCESS EXCLUSIVE on the table for an instant (catalog change only, no rewrite, no scan), waiting at most lock_timeout for it',
  trigger: 'SHARE ROW EXCLUSIVE on the table for an instant (reads continue), waiting at most lock_timeout for it',
  validate: 'SHARE UPDATE EXCLUSIVE while it reads every row: reads and writes continue',
  validateFk: 'SHARE UPDATE EXCLUSIVE on the table and ROW SHARE on the referenced one while it reads every row: reads and writes continue',
  addFk: 'SHARE ROW EXCLUSIVE on both tables for an instant (no scan: NOT VALID), waiting at most lock_timeout for it',
  concurrently: 'SHARE UPDATE EXCLUSIVE while the index is built in the background: reads and writes continue',
  backfill: 'row locks on one batch at a time (about 100 ms each), resumable after a crash',
} as const;

/** Locks that block the application's writes while a statement waits for them. */
const BLOCKS_WRITES = /^(ACCESS EXCLUSIVE|SHARE ROW EXCLUSIVE|EXCLUSIVE|SHARE(?! UPDATE EXCLUSIVE))\b/;

/** A step; its lock timeout follows from its lock: short when waiting for it blocks writes. */
export function sqlStep(name: string, phase: 'expand' | 'contract', sql: string, locks: string, options: { transaction?: boolean; afterCommit?: boolean } = {}): SqlStep {
  const lockTimeoutMs = BLOCKS_WRITES.test(locks) ? BLOCKING_STEP_LOCK_TIMEOUT_MS : STEP_LOCK_TIMEOUT_MS;
  return { kind: 'sql', name, phase, sql, transaction: options.transaction ?? true, afterCommit: options.afterCommit, lockTimeoutMs, locks };
}

/** `users_phone_number_not_null`: the CHECK that proves a column has no NULL, named as the linter names it. */
export function notNullCheckName(table: string, column: string): string {
  return makeObjectName(table, column, 'not_null');
}

/**
 * Makes `column` NOT NULL without holding ACCESS EXCLUSIVE while every row is read (PostgreSQL
 * 12 and later skip the scan of SET NOT NULL when a validated CHECK proves it):
 * CHECK (col IS NOT NULL) NOT VALID; later VALIDATE; later SET NOT NULL and drop the CHECK.
 * `between` runs after the CHECK is in place and before it is validated (a catch-up backfill).
 */
export function notNullSteps(tableSql: string, tableName: string, column: string, between: BackfillStep[] = []): Array<SqlStep | BackfillStep> {
  const check = quoteIdent(notNullCheckName(tableName, column));
  const col = quoteIdent(column);
  return [
    sqlStep('add NOT VALID check', 'contract', `ALTER TABLE ${tableSql} ADD CONSTRAINT ${check} CHECK (${col} IS NOT NULL) NOT VALID;`, `${LOCKS.instant}; from then on every write is checked`),
    ...between,
    sqlStep('validate check', 'contract', `ALTER TABLE ${tableSql} VALIDATE CONSTRAINT ${check};`, LOCKS.validate, { afterCommit: true }),
    sqlStep('set not null', 'contract', `ALTER TABLE ${tableSql} ALTER COLUMN ${col} SET NOT NULL;`, `${LOCKS.instant}: the validated check spares the scan`, { afterCommit: true }),
    sqlStep('drop check', 'contract', `ALTER TABLE ${tableSql} DROP CONSTRAINT ${check};`, LOCKS.instant),
  ];
}

/** `'it''s'`: a string literal. */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
