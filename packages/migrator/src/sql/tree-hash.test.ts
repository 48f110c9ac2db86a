import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSqlSync, loadParser } from './parse.js';
import { treeHash } from './tree-hash.js';

beforeAll(async () => {
  await loadParser();
});

const rows = (n: number, odd = '') =>
  Array.from({ length: n }, (_, i) => `(${i}, ${i % 3 === 0 ? `E'it\\'s; ${i}${odd}'` : `'row; ${i}'`}, ${i % 5 === 0 ? 'DEFAULT' : '(SELECT 1)'})`).join(',\n');

describe('the tree hash of a large data migration', () => {
  const file = [
    'CREATE TABLE "t" ("a" int PRIMARY KEY, "b" text, "c" int);',
    `INSERT INTO "t" ("a", "b", "c") VALUES ${rows(2000)} ON CONFLICT ("a") DO UPDATE SET "b" = EXCLUDED."b" RETURNING "a";`,
    `DO $$ BEGIN PERFORM ${Array.from({ length: 3000 }, (_, i) => i).join(' + ')}; END $$;`,
    'SELECT 1;',
  ].join('\n--> statement-breakpoint\n');

  it('is the hash of its whole parse tree, computed row batch by row batch', () => {
    const statements = analyzeSqlSync(file);
    expect(statements.map((s) => s.kind)).toEqual(['CreateStmt', 'InsertStmt', 'DoStmt', 'SelectStmt']);
    expect(statements[1]!.sql.length).toBeGreaterThan(40_000); // several batches of rows
    expect(treeHash(statements, { largeStatementChars: 1000 })).toBe(treeHash(statements, { largeStatementChars: Number.MAX_SAFE_INTEGER }));
  });

  it('changes when one row changes', () => {
    const changed = analyzeSqlSync(file.replace("'row; 1999'", "'row; 1999!'"));
    expect(treeHash(changed, { largeStatementChars: 1000 })).not.toBe(treeHash(analyzeSqlSync(file), { largeStatementChars: 1000 }));
  });
});
