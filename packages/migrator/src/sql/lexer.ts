/**
 * A small SQL tokenizer that knows exactly what PostgreSQL's scanner (src/backend/parser/scan.l)
 * knows about where literals and comments start and end, and nothing more: enough to find the
 * semicolons that end statements and the parentheses of a VALUES list in a file of any size,
 * without the memory of a full scan (libpg-query's `scanSync` returns every token as JSON).
 *
 * It is a helper for cutting, never the judge: every piece it cuts is parsed by PostgreSQL's
 * parser, and a cut in the wrong place makes that parse fail (see windows.ts), never pass.
 */

export const TOKEN = {
  end: 0,
  /** An unquoted identifier or keyword. */
  word: 1,
  /** `'...'`, `E'...'`, `B'...'`, `X'...'`, `N'...'`, `U&'...'`, `$tag$...$tag$`. */
  string: 2,
  /** `"..."`, `U&"..."`. */
  quotedIdentifier: 3,
  semicolon: 4,
  open: 5,
  close: 6,
  comma: 7,
  /** Numbers, operators, parameters, anything else. */
  other: 8,
} as const;
export type TokenKind = (typeof TOKEN)[keyof typeof TOKEN];

const SPACE = new Uint8Array(128);
for (const c of ' \t\n\r\f\v') SPACE[c.charCodeAt(0)] = 1;
const HORIZONTAL_SPACE = new Uint8Array(128);
for (const c of ' \t\f\v') HORIZONTAL_SPACE[c.charCodeAt(0)] = 1;

/** ident_start: `[A-Za-z\200-\377_]` (every byte of a non-ASCII character is >= 0x80). */
function identStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
}

/** ident_cont: ident_start, digits and `$`. */
function identCont(c: number): boolean {
  return identStart(c) || (c >= 48 && c <= 57) || c === 36;
}

/** dolq_cont: like ident_cont without `$`. */
function dollarTagCont(c: number): boolean {
  return identStart(c) || (c >= 48 && c <= 57);
}

const isNewline = (c: number) => c === 10 || c === 13;

export class SqlLexer {
  /** Where the last token returned by next() starts and ends (string offsets). */
  start = 0;
  end = 0;

  constructor(
    readonly text: string,
    /** Where the next token is looked for; must be outside any literal or comment. */
    public pos = 0,
  ) {}

  /** The next token after blanks and comments; `TOKEN.end` at the end of the text. */
  next(): TokenKind {
    const text = this.text;
    const n = text.length;
    let pos = this.pos;
    for (;;) {
      while (pos < n && SPACE[text.charCodeAt(pos)] === 1) pos++;
      if (pos >= n) {
        this.start = this.end = this.pos = n;
        return TOKEN.end;
      }
      const c = text.charCodeAt(pos);
      const d = text.charCodeAt(pos + 1);
      // `--` and `/*` start a comment anywhere outside a literal, even inside an operator.
      if (c === 45 && d === 45) pos = this.lineCommentEnd(pos);
      else if (c === 47 && d === 42) pos = this.blockCommentEnd(pos);
      else break;
    }
    this.start = pos;
    const c = text.charCodeAt(pos);
    const d = text.charCodeAt(pos + 1);
    let kind: TokenKind = TOKEN.other;
    if (identStart(c)) {
      if ((c === 101 || c === 69) && d === 39) {
        pos = this.quotedEnd(pos + 1, true); // E'...': backslash escapes
        kind = TOKEN.string;
      } else if ((c === 98 || c === 66 || c === 120 || c === 88 || c === 110 || c === 78) && d === 39) {
        pos = this.quotedEnd(pos + 1, false); // B'...', X'...', N'...'
        kind = TOKEN.string;
      } else if ((c === 117 || c === 85) && d === 38 && text.charCodeAt(pos + 2) === 39) {
        pos = this.quotedEnd(pos + 2, false); // U&'...'
        kind = TOKEN.string;
      } else if ((c === 117 || c === 85) && d === 38 && text.charCodeAt(pos + 2) === 34) {
        pos = this.quotedIdentifierEnd(pos + 2); // U&"..."
        kind = TOKEN.quotedIdentifier;
      } else {
        pos++;
        while (pos < n && identCont(text.charCodeAt(pos))) pos++;
        kind = TOKEN.word;
      }
    } else if (c === 39) {
      pos = this.quotedEnd(pos, false);
      kind = TOKEN.string;
    } else if (c === 34) {
      pos = this.quotedIdentifierEnd(pos);
      kind = TOKEN.quotedIdentifier;
    } else if (c === 36) {
      const close = this.dollarQuoteEnd(pos);
      if (close === undefined) pos++; // `$1`, or a `$` that opens nothing (scan.l's dolqfailed)
      else {
        pos = close;
        kind = TOKEN.string;
      }
    } else if (c >= 48 && c <= 57) {
      // A number, with any letters glued to it (PostgreSQL rejects those as "trailing junk", so
      // how they are cut does not matter). Not `$`: in `1$$x$$` a dollar quote follows the 1.
      pos++;
      while (pos < n && (dollarTagCont(text.charCodeAt(pos)) || text.charCodeAt(pos) === 46)) pos++;
    } else {
      pos++;
      if (c === 59) kind = TOKEN.semicolon;
      else if (c === 40) kind = TOKEN.open;
      else if (c === 41) kind = TOKEN.close;
      else if (c === 44) kind = TOKEN.comma;
    }
    this.end = this.pos = pos;
    return kind;
  }

  /** `--` up to (not including) the line end. */
  private lineCommentEnd(pos: number): number {
    const text = this.text;
    const n = text.length;
    pos += 2;
    while (pos < n && !isNewline(text.charCodeAt(pos))) pos++;
    return pos;
  }

  /** `/* ... *\/`, nested as PostgreSQL nests them; an unterminated one runs to the end. */
  private blockCommentEnd(pos: number): number {
    const text = this.text;
    const n = text.length;
    let depth = 1;
    pos += 2;
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (c === 42 && text.charCodeAt(pos + 1) === 47) {
        pos += 2;
        if (--depth === 0) return pos;
      } else if (c === 47 && text.charCodeAt(pos + 1) === 42) {
        pos += 2;
        depth++;
      } else pos++;
    }
    return n;
  }

  /**
   * The end of a `'...'` literal whose opening quote is at `quote`. `''` is a quote inside it;
   * in an E'' literal so is `\'`. An E'' literal continued on a later line (`E'a'` newline `'b'`)
   * keeps its backslash escapes in the continuation (scan.l's quotecontinue), so that part is
   * read here too. An unterminated literal runs to the end.
   */
  private quotedEnd(quote: number, backslashes: boolean): number {
    const text = this.text;
    const n = text.length;
    let pos = quote + 1;
    for (;;) {
      if (backslashes) {
        while (pos < n) {
          const c = text.charCodeAt(pos);
          if (c === 92) pos += 2;
          else if (c === 39) break;
          else pos++;
        }
      } else {
        const next = text.indexOf("'", pos);
        pos = next < 0 ? n : next;
      }
      if (pos >= n) return n;
      // At a quote: `''` continues the literal, anything else ends it.
      if (text.charCodeAt(pos + 1) === 39) {
        pos += 2;
        continue;
      }
      pos++;
      if (!backslashes) return pos;
      const continued = this.continuation(pos);
      if (continued === undefined) return pos;
      pos = continued + 1;
    }
  }

  /**
   * Where a literal continues after its closing quote at `pos - 1`: the position of the opening
   * quote of the next part when only blanks with at least one line break separate them, else
   * undefined. (scan.l's quotecontinue. Its definition mentions comments, but PostgreSQL 18's
   * scanner, as libpg-query runs it, ends the literal at a comment: lexer.test.ts checks both.)
   */
  private continuation(pos: number): number | undefined {
    const text = this.text;
    while (HORIZONTAL_SPACE[text.charCodeAt(pos)] === 1) pos++;
    if (!isNewline(text.charCodeAt(pos))) return undefined;
    pos++;
    while (SPACE[text.charCodeAt(pos)] === 1) pos++;
    return text.charCodeAt(pos) === 39 ? pos : undefined;
  }

  /** The end of a `"..."` identifier (`""` is a quote inside it); an unterminated one runs to the end. */
  private quotedIdentifierEnd(quote: number): number {
    const text = this.text;
    let pos = quote + 1;
    for (;;) {
      const next = text.indexOf('"', pos);
      if (next < 0) return text.length;
      if (text.charCodeAt(next + 1) !== 34) return next + 1;
      pos = next + 2;
    }
  }

  /**
   * The end of a dollar-quoted literal opening at `dollar` (`$$` or `$tag$`, the tag an
   * identifier without `$`), or undefined when no delimiter opens there. The body ends at the
   * first repetition of the delimiter; an unterminated one runs to the end.
   */
  private dollarQuoteEnd(dollar: number): number | undefined {
    const text = this.text;
    let pos = dollar + 1;
    const first = text.charCodeAt(pos);
    if (first !== 36) {
      if (!identStart(first)) return undefined;
      pos++;
      while (dollarTagCont(text.charCodeAt(pos))) pos++;
      if (text.charCodeAt(pos) !== 36) return undefined;
    }
    const delimiter = text.slice(dollar, pos + 1);
    const close = text.indexOf(delimiter, pos + 1);
    return close < 0 ? text.length : close + delimiter.length;
  }
}

/**
 * Where statements may end: the position after each semicolon that is outside every literal,
 * quoted identifier and comment, in order from `from`, then `text.length` for the text after the
 * last one (unless the text ends with that semicolon). Semicolons inside `BEGIN ATOMIC ... END` or a rule's `( ...; ... )` are
 * included: those are statement ends to the scanner, and only the parser knows better.
 */
export class StatementEnds {
  private readonly lexer: SqlLexer;
  private done = false;
  private last = -1;

  constructor(text: string, from = 0) {
    this.lexer = new SqlLexer(text, from);
  }

  /** The next possible statement end, or undefined after the end of the text was returned. */
  next(): number | undefined {
    if (this.done) return undefined;
    for (;;) {
      const kind = this.lexer.next();
      if (kind === TOKEN.semicolon) return (this.last = this.lexer.end);
      if (kind === TOKEN.end) {
        this.done = true;
        const n = this.lexer.text.length;
        return this.last === n ? undefined : n;
      }
    }
  }
}
