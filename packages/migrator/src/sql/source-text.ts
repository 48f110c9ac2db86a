/**
 * Positions in a migration file. The PostgreSQL parser reports statement and token locations as
 * UTF-8 byte offsets, and an error's cursor as a count of characters (code points); JavaScript
 * strings are indexed in UTF-16 code units. This maps both to string offsets and 1-based
 * line/column, so positions stay right after non-ASCII text (comments in other languages and
 * emoji in string literals are common in migrations).
 */
export class SourceText {
  private readonly ascii: boolean;
  private readonly lineStarts: number[] = [0];
  /** Last byte-to-char conversion, so increasing offsets (the usual case) cost one pass in total. */
  private cursor = { byte: 0, char: 0 };

  constructor(readonly text: string) {
    this.ascii = !/[^\x00-\x7f]/.test(text);
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }

  /** String offset of a UTF-8 byte offset (one that falls on a character boundary). */
  charFromByte(byteOffset: number): number {
    if (this.ascii) return Math.min(byteOffset, this.text.length);
    if (byteOffset < this.cursor.byte) this.cursor = { byte: 0, char: 0 };
    let { byte, char } = this.cursor;
    const text = this.text;
    while (byte < byteOffset && char < text.length) {
      const code = text.charCodeAt(char);
      if (code < 0x80) {
        byte += 1;
        char += 1;
      } else if (code < 0x800) {
        byte += 2;
        char += 1;
      } else if (isSurrogatePair(text, char)) {
        byte += 4;
        char += 2;
      } else {
        // Other BMP characters, and lone surrogates (which UTF-8 encodes as U+FFFD, 3 bytes).
        byte += 3;
        char += 1;
      }
    }
    this.cursor = { byte, char };
    return char;
  }

  /** String offset of the n-th character counted in code points (how PostgreSQL counts an error position). */
  charFromCodePoint(codePoints: number): number {
    if (this.ascii) return Math.min(codePoints, this.text.length);
    let char = 0;
    for (let n = 0; n < codePoints && char < this.text.length; n++) char += isSurrogatePair(this.text, char) ? 2 : 1;
    return char;
  }

  /** 1-based line and column (in UTF-16 code units, like `offset`) of a string offset. */
  position(charOffset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= charOffset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: charOffset - this.lineStarts[lo]! + 1 };
  }
}

function isSurrogatePair(text: string, index: number): boolean {
  const high = text.charCodeAt(index);
  if (high < 0xd800 || high > 0xdbff) return false;
  const low = text.charCodeAt(index + 1);
  return low >= 0xdc00 && low <= 0xdfff;
}

/**
 * 1-based line and column (like SourceText.position) without an index of every line: one pass
 * over the text for offsets asked in increasing order; an earlier offset starts over from the top.
 */
export class LineCursor {
  private offset = 0;
  private line = 1;
  private lineStart = 0;
  /** The first newline at or after `offset` (Infinity when none), so that long lines are not scanned again and again. */
  private nextNewline = -1;

  constructor(private readonly text: string) {}

  at(offset: number): { line: number; column: number } {
    if (offset < this.offset) {
      this.offset = 0;
      this.line = 1;
      this.lineStart = 0;
      this.nextNewline = -1;
    }
    if (this.nextNewline < this.offset) this.nextNewline = this.find(this.offset);
    while (this.nextNewline < offset) {
      this.line++;
      this.lineStart = this.nextNewline + 1;
      this.nextNewline = this.find(this.lineStart);
    }
    this.offset = offset;
    return { line: this.line, column: offset - this.lineStart + 1 };
  }

  private find(from: number): number {
    const i = this.text.indexOf('\n', from);
    return i < 0 ? Infinity : i;
  }
}
