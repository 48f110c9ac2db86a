import { scanSync } from 'libpg-query';
import { SourceText } from './source-text.js';

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
 * The comments of an SQL text, found with PostgreSQL's scanner: the same characters inside a
 * string literal or a dollar-quoted body are not comments. Empty when the text does not scan.
 * Call `loadParser()` first.
 */
export function sqlComments(text: string): SqlComment[] {
  let tokens;
  try {
    tokens = scanSync(text).tokens;
  } catch {
    return [];
  }
  const source = new SourceText(text);
  const out: SqlComment[] = [];
  for (const token of tokens) {
    let inner: string;
    if (token.tokenName === 'SQL_COMMENT') inner = token.text.slice(2);
    else if (token.tokenName === 'C_COMMENT') inner = token.text.slice(2, -2);
    else continue;
    const start = source.charFromByte(token.start);
    out.push({ text: token.text, inner, start, end: source.charFromByte(token.end), ...source.position(start) });
  }
  return out;
}
