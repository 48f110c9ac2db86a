import { bodyOf, stringConstants, type Node, type RawStmt, type SelectStmt } from './ast.js';
import { SqlLexer, TOKEN } from './lexer.js';
import { parseEntries } from './spans.js';

/** A part of a text given to the parser that is copied from the file: `length` characters from `from`, at `at` in that text. */
export interface Piece {
  at: number;
  from: number;
  length: number;
}

/** A text given to the parser, and where its characters come from in the file. */
export interface ParsedText {
  text: string;
  pieces: Piece[];
  entries: RawStmt[];
}

/** What to do with a parse that failed: PostgreSQL's error, in a text made of `pieces`. */
export type OnSyntaxError = (error: unknown, text: string, pieces: Piece[]) => never;

/** Outcome of a parse that may need more text than it was given. */
type Attempt = { entries: RawStmt[] } | { endsTooSoon: true };

/**
 * Whether a parse failed only because its text stops before the statement does: a `;` inside
 * `BEGIN ATOMIC ... END` or a rule's `( ...; ... )` cut it, or a literal runs past the cut.
 */
export function endsTooSoon(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return message.includes('at end of input') || message.startsWith('unterminated ');
}

function attempt(text: string, pieces: Piece[], onError: OnSyntaxError): Attempt {
  try {
    return { entries: parseEntries(text) };
  } catch (error) {
    if (endsTooSoon(error)) return { endsTooSoon: true };
    return onError(error, text, pieces);
  }
}

/** A SelectStmt that is a VALUES list. */
export type ValuesSelect = SelectStmt & { valuesLists: Node[] };

const isValuesSelect = (select: SelectStmt | undefined): select is ValuesSelect => Array.isArray(select?.valuesLists);

/** The body of the SelectStmt holding the VALUES list of a parsed `INSERT ... VALUES`; undefined for anything else. */
export function valuesSelect(entries: readonly RawStmt[]): ValuesSelect | undefined {
  const statements = entries.filter((e) => e.stmt);
  if (statements.length !== 1) return undefined;
  const insert = bodyOf(statements[0]!.stmt, 'InsertStmt');
  const select = bodyOf(insert?.selectStmt, 'SelectStmt');
  return isValuesSelect(select) ? select : undefined;
}

/** How many rows the VALUES list of a parsed `INSERT ... VALUES` holds; undefined for anything else. */
function valuesRows(entries: readonly RawStmt[]): number | undefined {
  return valuesSelect(entries)?.valuesLists?.length;
}

/**
 * One large `INSERT ... VALUES (...), (...), ...` statement, parsed without ever holding the
 * parse tree of all its rows: a tree costs about 50 bytes of memory per byte of SQL, so one of a
 * 50 MB statement does not fit (libpg-query's WASM heap gives up at 2 GB).
 *
 * The statement is read as `head (row 1), (row 2), ... tail`, where head runs up to the first
 * row and tail is what follows the last (`ON CONFLICT ...`, `RETURNING ...`). PostgreSQL's
 * grammar reads every row of a VALUES list the same way, so, in the order of the text:
 * `head (row 1)` is parsed (a syntax error in the head or the first row surfaces there), then
 * `head` followed by each batch of the other rows of about `batchChars` (an error in a row
 * surfaces there, at its own position), and last `head (row 1) tail`: the statement the
 * classification reads. It has the same kind, table, columns and clauses as the whole one; a
 * batch whose rows hold a string equal to one of `enumValues` (values that an earlier
 * `ALTER TYPE ... ADD VALUE` of the file adds) is kept in it, since classify() looks for uses
 * of such a value in the statements after the ALTER TYPE.
 *
 * Returns undefined when the statement is not of that shape (or has a single row), and the
 * caller parses it whole. A syntax error goes to `onError` with the text that was parsed.
 */
export function parseLargeValuesList(
  file: string,
  start: number,
  end: number,
  options: {
    batchChars: number;
    enumValues: ReadonlySet<string>;
    onError: OnSyntaxError;
    /** Receives the parse trees of all the rows, in order, a batch at a time (treeHash() hashes them). */
    onRows?: (rows: readonly Node[]) => void;
  },
): ParsedText | undefined {
  const rows = new RowScanner(file, start, end);
  const first = rows.next();
  if (!first) return undefined;
  const headPiece: Piece = { at: 0, from: start, length: first.start - start };
  const head = file.slice(start, first.start);
  // A head that is itself large (a huge CTE before the INSERT) is not worth the trouble.
  if (head.length > options.batchChars) return undefined;

  const firstText = file.slice(start, first.end);
  const firstPieces = [{ at: 0, from: start, length: first.end - start }];
  const firstParse = attempt(firstText, firstPieces, options.onError);
  if ('endsTooSoon' in firstParse || valuesRows(firstParse.entries) !== 1) return undefined;
  options.onRows?.(valuesSelect(firstParse.entries)!.valuesLists);

  const kept: { from: number; to: number; rows: number }[] = [];
  let lastEnd = first.end;
  let batch: { from: number; to: number; rows: number } | undefined;
  const check = (b: { from: number; to: number; rows: number }): boolean => {
    const text = head + file.slice(b.from, b.to);
    const pieces = [headPiece, { at: head.length, from: b.from, length: b.to - b.from }];
    const parsed = attempt(text, pieces, options.onError);
    if ('endsTooSoon' in parsed || valuesRows(parsed.entries) !== b.rows) return false;
    options.onRows?.(valuesSelect(parsed.entries)!.valuesLists);
    if (options.enumValues.size > 0) {
      const constants = stringConstants(parsed.entries);
      if ([...options.enumValues].some((value) => constants.has(value))) kept.push(b);
    }
    return true;
  };
  for (let row = rows.next(); row; row = rows.next()) {
    if (batch) {
      batch.to = row.end;
      batch.rows++;
    } else batch = { from: row.start, to: row.end, rows: 1 };
    lastEnd = row.end;
    if (batch.to - batch.from >= options.batchChars) {
      if (!check(batch)) return undefined;
      batch = undefined;
    }
  }
  if (rows.malformed || lastEnd === first.end) return undefined;
  if (batch && !check(batch)) return undefined;

  // head (row 1), <kept batches>, tail
  const pieces: Piece[] = [{ at: 0, from: start, length: first.end - start }];
  let text = firstText;
  for (const b of kept) {
    text += ',';
    pieces.push({ at: text.length, from: b.from, length: b.to - b.from });
    text += file.slice(b.from, b.to);
  }
  pieces.push({ at: text.length, from: lastEnd, length: end - lastEnd });
  text += file.slice(lastEnd, end);
  const parsed = attempt(text, pieces, options.onError);
  if ('endsTooSoon' in parsed || valuesRows(parsed.entries) !== 1 + kept.reduce((n, b) => n + b.rows, 0)) return undefined;
  return { text, pieces, entries: parsed.entries };
}

/**
 * The rows of the first VALUES list at the top level of a statement: `VALUES` followed by `(`,
 * then `( ... )` groups separated by commas. Anything else between two groups (which the parser
 * would reject, or read differently) sets `malformed`.
 */
class RowScanner {
  private readonly lexer: SqlLexer;
  private started = false;
  private finished = false;
  malformed = false;

  constructor(
    private readonly file: string,
    start: number,
    private readonly end: number,
  ) {
    this.lexer = new SqlLexer(file, start);
  }

  /** The next row, as the string offsets of its `(` and after its `)`; undefined after the last. */
  next(): { start: number; end: number } | undefined {
    if (this.finished) return undefined;
    if (!this.started) {
      this.started = true;
      if (!this.findValues()) return this.finish();
      return this.group();
    }
    // After a row: `,` and the next row, or the end of the list.
    if (this.token() !== TOKEN.comma) return this.finish();
    if (this.token() !== TOKEN.open) {
      this.malformed = true;
      return this.finish();
    }
    return this.group();
  }

  private finish(): undefined {
    this.finished = true;
    return undefined;
  }

  private token(): number {
    const kind = this.lexer.next();
    return this.lexer.start >= this.end ? TOKEN.end : kind;
  }

  /** Moves to the `(` after the first top-level `VALUES`; false when there is none. */
  private findValues(): boolean {
    let depth = 0;
    let afterValues = false;
    for (let kind = this.token(); kind !== TOKEN.end && kind !== TOKEN.semicolon; kind = this.token()) {
      if (afterValues && depth === 0 && kind === TOKEN.open) return true;
      afterValues = false;
      if (kind === TOKEN.open) depth++;
      else if (kind === TOKEN.close) depth--;
      else if (depth === 0 && kind === TOKEN.word && this.lexer.end - this.lexer.start === 6) {
        afterValues = this.file.slice(this.lexer.start, this.lexer.end).toLowerCase() === 'values';
      }
    }
    return false;
  }

  /** The group whose `(` was just read, up to its matching `)`. */
  private group(): { start: number; end: number } | undefined {
    const start = this.lexer.start;
    let depth = 1;
    while (depth > 0) {
      const kind = this.token();
      if (kind === TOKEN.end || kind === TOKEN.semicolon) {
        this.malformed = true;
        return this.finish();
      }
      if (kind === TOKEN.open) depth++;
      else if (kind === TOKEN.close) depth--;
    }
    return { start, end: this.lexer.end };
  }
}
