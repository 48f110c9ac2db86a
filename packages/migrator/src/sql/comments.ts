import { scanSync } from 'libpg-query';
import { StatementEnds } from './lexer.js';
import { LineCursor, SourceText } from './source-text.js';

/** One `-- ...` or `/* ... *\/` comment of an SQL text. */
export interface SqlComment {
  /** The comment as written. */
  text: string;
  /** The text between `--` and the line end, or between `/*` and `*\/`. */
  inner: string;
  /** String offsets of its first character and of the character after it. */
  start: number;
  end: number;
  /** 1-based position of its first character. */
  line: number;
  column: number;
}

/**
 * How much text one scan reads. libpg-query returns every token of a scan as JSON, some 20 bytes
 * of memory per byte of SQL, so a long text is scanned in pieces cut after statements.
 */
export const SCAN_WINDOW_CHARS = 256 * 1024;

/**
 * The comments of an SQL text, found with PostgreSQL's scanner: the same characters inside a
 * string literal or a dollar-quoted body are not comments. Empty when the text does not scan.
 * Call `loadParser()` first.
 */
export function sqlComments(text: string, windowChars = SCAN_WINDOW_CHARS): SqlComment[] {
  const out: SqlComment[] = [];
  const lines = new LineCursor(text);
  const ends = new StatementEnds(text);
  let pos = 0;
  let end = ends.next();
  while (end !== undefined) {
    while (end - pos < windowChars) {
      const next = ends.next();
      if (next === undefined) break;
      end = next;
    }
    let tokens;
    for (;;) {
      try {
        tokens = scanSync(text.slice(pos, end)).tokens;
        break;
      } catch {
        // Cut inside a literal (which the lexer would not do) or a text that does not scan: a
        // longer piece, up to the whole rest of the text, tells which.
        if (end >= text.length) return [];
        end = grow(ends, pos, end);
      }
    }
    const source = new SourceText(text.slice(pos, end));
    for (const token of tokens) {
      let inner: string;
      if (token.tokenName === 'SQL_COMMENT') inner = token.text.slice(2);
      else if (token.tokenName === 'C_COMMENT') inner = token.text.slice(2, -2);
      else continue;
      const start = pos + source.charFromByte(token.start);
      out.push({ text: token.text, inner, start, end: pos + source.charFromByte(token.end), ...lines.at(start) });
    }
    pos = end;
    end = ends.next();
  }
  return out;
}

/** The end of a piece twice as long as `[pos, end)`, or the end of the text. */
function grow(ends: StatementEnds, pos: number, end: number): number {
  let grown = end;
  for (let next = ends.next(); next !== undefined; next = ends.next()) {
    grown = next;
    if (grown - pos >= 2 * (end - pos)) break;
  }
  return grown;
}
