import { isUtf8 } from 'node:buffer';

/** Where a file stops being valid UTF-8. */
export interface InvalidUtf8 {
  /** 0-based offset of the first byte of the ill-formed sequence. */
  offset: number;
  /** That byte, e.g. 0xe9 for a Latin-1 `é`. */
  byte: number;
  /** 1-based line and column (in characters, counted like the rest of the tools: UTF-16 code units) of that byte. */
  line: number;
  column: number;
}

/**
 * The first byte of `bytes` that does not start or continue a well-formed UTF-8 sequence, with
 * its line and column; undefined when every byte is valid. "Well-formed" is the Unicode / WHATWG
 * definition that a fatal `TextDecoder` and PostgreSQL's UTF-8 check apply: no overlong forms,
 * no surrogates, nothing above U+10FFFF, no sequence cut short.
 */
export function findInvalidUtf8(bytes: Uint8Array): InvalidUtf8 | undefined {
  if (isUtf8(bytes)) return undefined;
  const offset = firstInvalidByte(bytes);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let line = 1;
  let lineStart = 0;
  for (let i = buffer.indexOf(10); i >= 0 && i < offset; i = buffer.indexOf(10, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  // Everything before `offset` is valid, so the start of its line decodes exactly.
  const column = buffer.subarray(lineStart, offset).toString('utf8').length + 1;
  return { offset, byte: bytes[offset]!, line, column };
}

/** `0xe9`: a byte as the messages show it. */
export function hexByte(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

function firstInvalidByte(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let length: number;
    // The allowed range of the second byte narrows for E0, ED, F0 and F4 (Unicode Table 3-7).
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    const second = bytes[i + 1];
    if (second === undefined || second < low || second > high) return i;
    for (let k = 2; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined || next >> 6 !== 0b10) return i;
    }
    i += length;
  }
  return bytes.length;
}
