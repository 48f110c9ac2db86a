import { quoteIdent } from '../sql/quote.js';

/** `NEW."a"` in a trigger, `"a"` in a backfill's SET list. */
export function columnRef(row: string | undefined, column: string): string {
  return row ? `${row}.${quoteIdent(column)}` : quoteIdent(column);
}

/**
 * A USING expression the user wrote against the row's columns, evaluated on `NEW` in a trigger
 * (`(SELECT expr FROM (SELECT NEW.*) AS row)`), or as it is in a backfill's SET list.
 */
export function rowExpression(row: string | undefined, expression: string): string {
  return row ? `(SELECT ${expression} FROM (SELECT ${row}.*) AS sdk_row)` : `(${expression})`;
}
