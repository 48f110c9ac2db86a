import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../sql/parse.js';
import { insertAfter, removeWords, tokens } from './rewrite.js';

beforeAll(loadParser);

describe('rewrite', () => {
  it('inserts after the first keywords, at the start of the statement or further in', () => {
    expect(insertAfter('CREATE UNIQUE INDEX "i" ON "t" ("a")', ['INDEX'], 'CONCURRENTLY')).toBe('CREATE UNIQUE INDEX CONCURRENTLY "i" ON "t" ("a")');
    expect(insertAfter('create index\n  i on t (a)', ['INDEX'], 'CONCURRENTLY')).toBe('create index CONCURRENTLY\n  i on t (a)');
    expect(insertAfter('/* index */ CREATE INDEX i ON t (a)', ['INDEX'], 'CONCURRENTLY')).toBe('/* index */ CREATE INDEX CONCURRENTLY i ON t (a)');
    expect(insertAfter('ALTER TABLE "index" ADD CHECK (a > 0)', ['ADD'], 'CONSTRAINT c')).toBe('ALTER TABLE "index" ADD CONSTRAINT c CHECK (a > 0)');
    expect(insertAfter('SELECT 1', ['INDEX'], 'x')).toBeUndefined();
  });

  it('does not take a word inside a string or a quoted name for a keyword', () => {
    expect(insertAfter(`COMMENT ON TABLE t IS 'add'`, ['ADD'], 'x')).toBeUndefined();
    expect(removeWords('DROP TABLE "cascade" CASCADE', ['CASCADE'])).toBe('DROP TABLE "cascade"');
  });

  it('scans a statement once for all the rules that ask for its tokens', () => {
    const sql = 'ALTER TABLE t ADD COLUMN a int';
    expect(tokens(sql)).toBe(tokens(sql));
    expect(tokens(sql).map((t) => t.upper)).toEqual(['ALTER', 'TABLE', 'T', 'ADD', 'COLUMN', 'A', 'INT']);
  });
});
