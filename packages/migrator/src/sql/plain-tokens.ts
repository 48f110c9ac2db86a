import { KEYWORDS } from './keywords.js';

/** A token of PostgreSQL's scanner: where it is (string offsets) and whether it is a keyword. */
export interface PlainToken {
  start: number;
  end: number;
  /** An unquoted word that is one of PostgreSQL's keywords (libpg-query's `keywordKind !== 0`). */
  keyword: boolean;
}

/**
 * The tokens of `sql` without its comments, cut where PostgreSQL's scanner (scan.l, as
 * libpg-query 18 runs it) cuts them, for plain ASCII SQL: words, quoted identifiers, `'...'`
 * strings, dollar quotes, parameters, plain numbers, operators and punctuation. Undefined for
 * anything else, which the caller leaves to libpg-query's `scanSync`: non-ASCII text, E'' B'' X''
 * N'' U&'' literals, a string continued on another line, backslashes outside a literal, numbers
 * with exponents, underscores or bases, nested comments, unterminated literals. One call to
 * `scanSync` costs a WebAssembly call and its JSON; this costs neither, and plain-tokens.test.ts
 * compares the two on every statement of the rules' corpus.
 */
export function plainTokens(sql: string): PlainToken[] | undefined {
  const out: PlainToken[] = [];
  const n = sql.length;
  let pos = 0;
  while (pos < n) {
    const c = sql.charCodeAt(pos);
    if (c === 32 || c === 10 || c === 9 || c === 13) {
      pos++;
      continue;
    }
    const d = sql.charCodeAt(pos + 1);
    const start = pos;
    if (c === 45 && d === 45) {
      // `--` comment, to the line end.
      pos += 2;
      while (pos < n && sql.charCodeAt(pos) !== 10 && sql.charCodeAt(pos) !== 13) pos++;
      continue;
    }
    if (c === 47 && d === 42) {
      const end = sql.indexOf('*/', pos + 2);
      if (end < 0 || sql.lastIndexOf('/*', end) !== pos) return undefined; // unterminated or nested
      pos = end + 2;
      continue;
    }
    if (isWordStart(c)) {
      pos++;
      while (pos < n && isWordPart(sql.charCodeAt(pos))) pos++;
      // `E'`, `B'`, `X'`, `N'`, `U&'`, `U&"` start other literals (and a word glued to a string is rare).
      const next = sql.charCodeAt(pos);
      if (next === 39 || (next === 38 && pos - start === 1 && (c === 117 || c === 85))) return undefined;
      out.push({ start, end: pos, keyword: pos - start <= MAX_KEYWORD_LENGTH && KEYWORDS.has(sql.slice(start, pos).toLowerCase()) });
      continue;
    }
    if (c === 34) {
      const end = quotedEnd(sql, pos, 34);
      if (end === undefined || end === pos + 2) return undefined; // unterminated, or `""` (a zero-length name is an error)
      pos = end;
    } else if (c === 39) {
      const end = quotedEnd(sql, pos, 39);
      if (end === undefined || sql.slice(pos, end).includes('\\') || continues(sql, end)) return undefined;
      pos = end;
    } else if (c === 36) {
      if (isDigit(d)) {
        // `$1`; `$1abc` is an error.
        pos++;
        while (isDigit(sql.charCodeAt(pos))) pos++;
        if (isWordPart(sql.charCodeAt(pos))) return undefined;
      } else {
        let tag = pos + 1;
        if (d !== 36) {
          if (!isWordStart(d)) return undefined;
          while (isTagPart(sql.charCodeAt(tag))) tag++;
          if (sql.charCodeAt(tag) !== 36) return undefined; // scan.l's dolqfailed
        }
        const delimiter = sql.slice(pos, tag + 1);
        const close = sql.indexOf(delimiter, tag + 1);
        if (close < 0) return undefined;
        pos = close + delimiter.length;
      }
    } else if (isDigit(c)) {
      pos++;
      while (isDigit(sql.charCodeAt(pos))) pos++;
      if (sql.charCodeAt(pos) === 46) {
        if (sql.charCodeAt(pos + 1) === 46) return undefined; // `1..`: scan.l's numericfail
        pos++;
        while (isDigit(sql.charCodeAt(pos))) pos++;
      }
      // Exponents, `_` separators, `0x`, trailing junk and `1.2.3` are left to the real scanner.
      const next = sql.charCodeAt(pos);
      if (isWordPart(next) || next === 46) return undefined;
    } else if (c === 46) {
      if (isDigit(d)) return undefined; // `.5`
      pos += d === 46 ? 2 : 1; // `..` or `.`
    } else if (c === 58) {
      pos += d === 58 || d === 61 ? 2 : 1; // `::`, `:=` or `:`
    } else if (c === 44 || c === 40 || c === 41 || c === 91 || c === 93 || c === 59) {
      pos++;
    } else if (c < 128 && OPERATOR_CHARS[c] === 1) {
      pos += operatorLength(sql, pos);
    } else {
      return undefined;
    }
    out.push({ start, end: pos, keyword: false });
  }
  return out;
}

/** The longest keyword (`current_timestamp`...): a longer word is never one. */
const MAX_KEYWORD_LENGTH = Math.max(...[...KEYWORDS].map((k) => k.length));

/** op_chars of scan.l: ~ ! @ # ^ & | ` ? + - * / % < > = */
const OPERATOR_CHARS = new Uint8Array(128);
for (const c of '~!@#^&|`?+-*/%<>=') OPERATOR_CHARS[c.charCodeAt(0)] = 1;

/** The characters that let an operator end in `+` or `-` (scan.l's rule for `{operator}`). */
const KEEPS_TRAILING_SIGN = new Set('~!@#^&|`?%');

/**
 * How long the operator token at `pos` is, as scan.l cuts it: the longest run of op_chars, cut
 * before a `--` or `/*` inside it, and without its trailing `+` and `-` (they are then tokens of
 * their own) unless the operator has one of ~ ! @ # ^ & | ` ? %. So `=-1` is `=`, `-`, `1`.
 */
function operatorLength(sql: string, pos: number): number {
  let end = pos;
  while (end < sql.length && sql.charCodeAt(end) < 128 && OPERATOR_CHARS[sql.charCodeAt(end)] === 1) end++;
  let run = sql.slice(pos, end);
  const comment = [run.indexOf('--'), run.indexOf('/*')].filter((i) => i >= 0);
  if (comment.length > 0) run = run.slice(0, Math.min(...comment));
  let length = run.length;
  if (length > 1 && (run[length - 1] === '+' || run[length - 1] === '-') && ![...run.slice(0, length - 1)].some((ch) => KEEPS_TRAILING_SIGN.has(ch))) {
    do length--;
    while (length > 1 && (run[length - 1] === '+' || run[length - 1] === '-'));
  }
  return length;
}

/** The end of a `'...'` or `"..."` (doubled quotes inside), or undefined when it does not close. */
function quotedEnd(sql: string, open: number, quote: number): number | undefined {
  let pos = open + 1;
  for (;;) {
    const close = sql.indexOf(quote === 39 ? "'" : '"', pos);
    if (close < 0) return undefined;
    if (sql.charCodeAt(close + 1) !== quote) return close + 1;
    pos = close + 2;
  }
}

/** Whether another `'...'` follows a string after blanks or comments: scan.l may join the two (quotecontinue). */
function continues(sql: string, end: number): boolean {
  let pos = end;
  for (;;) {
    while (pos < sql.length && /\s/.test(sql[pos]!)) pos++;
    if (sql.startsWith('--', pos)) {
      const line = sql.indexOf('\n', pos);
      if (line < 0) return false;
      pos = line;
    } else if (sql.startsWith('/*', pos)) {
      const close = sql.indexOf('*/', pos);
      if (close < 0) return false;
      pos = close + 2;
    } else {
      return sql.charCodeAt(pos) === 39;
    }
  }
}

const isDigit = (c: number) => c >= 48 && c <= 57;
/** ident_start of scan.l, ASCII only: `[A-Za-z_]`. */
const isWordStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
/** ident_cont: ident_start, digits and `$`. */
const isWordPart = (c: number) => isWordStart(c) || isDigit(c) || c === 36;
/** dolq_cont: ident_cont without `$`. */
const isTagPart = (c: number) => isWordStart(c) || isDigit(c);
