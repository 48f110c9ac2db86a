import { describe, expect, it } from 'vitest';
import { findInvalidUtf8 } from './utf8.js';

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('finding the first byte that is not UTF-8', () => {
  it('finds nothing in valid UTF-8, a byte order mark and emoji included', () => {
    expect(findInvalidUtf8(bytes([0xef, 0xbb, 0xbf], "SELECT 'café 📞';\n"))).toBeUndefined();
    expect(findInvalidUtf8(Buffer.alloc(0))).toBeUndefined();
  });

  it('points at a Latin-1 é with its byte offset, line and column', () => {
    expect(findInvalidUtf8(bytes("-- ok\nINSERT INTO t VALUES ('caf", [0xe9], "');"))).toEqual({ offset: 32, byte: 0xe9, line: 2, column: 27 });
  });

  it('counts the column in characters after multi-byte characters on the same line', () => {
    expect(findInvalidUtf8(bytes('SELECT 📞é', [0xff]))).toEqual({ offset: 13, byte: 0xff, line: 1, column: 11 });
  });

  it('rejects what a strict decoder rejects: surrogates, overlong forms, code points above U+10FFFF, cut sequences', () => {
    expect(findInvalidUtf8(bytes('a', [0xed, 0xa0, 0x80]))?.offset).toBe(1); // U+D800
    expect(findInvalidUtf8(bytes('ab', [0xc0, 0xaf]))?.offset).toBe(2); // overlong '/'
    expect(findInvalidUtf8(bytes([0xe0, 0x80, 0xaf]))?.offset).toBe(0); // overlong, 3 bytes
    expect(findInvalidUtf8(bytes([0xf4, 0x90, 0x80, 0x80]))?.offset).toBe(0); // U+110000
    expect(findInvalidUtf8(bytes('abc', [0xe2, 0x82]))?.offset).toBe(3); // euro sign cut at the end
  });

  it('agrees with a fatal TextDecoder on random bytes', () => {
    const strict = new TextDecoder('utf-8', { fatal: true });
    let seed = 9;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 2000; n++) {
      // Mostly valid text with a few random bytes, so that failures fall anywhere.
      const parts: (string | number[])[] = [];
      for (let k = 0; k < 6; k++) parts.push(random() < 0.8 ? ['a', 'é', '€', '📞', '\n'][Math.floor(random() * 5)]! : [Math.floor(random() * 256)]);
      const input = bytes(...parts);
      const found = findInvalidUtf8(input);
      let valid = true;
      try {
        strict.decode(input);
      } catch {
        valid = false;
      }
      expect(found === undefined).toBe(valid);
      if (found) expect(() => strict.decode(input.subarray(0, found.offset))).not.toThrow();
    }
  });
});
