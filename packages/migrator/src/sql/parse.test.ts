import { beforeAll, describe, expect, it } from 'vitest';
import { SqlSyntaxError } from '../errors.js';
import { analyzeSqlSync, loadParser } from './index.js';

beforeAll(async () => {
  await loadParser();
});

describe('splitting a migration file with the PostgreSQL parser', () => {
  it('splits on drizzle-kit breakpoints and on semicolons inside one chunk', () => {
    const statements = analyzeSqlSync(
      'CREATE SCHEMA "auth";\n--> statement-breakpoint\nCREATE TABLE "auth"."a" (id int); CREATE TABLE "auth"."b" (id int);\n--> statement-breakpoint\nDROP TABLE "auth"."a";',
    );
    expect(statements.map((s) => s.sql)).toEqual([
      'CREATE SCHEMA "auth"',
      'CREATE TABLE "auth"."a" (id int)',
      'CREATE TABLE "auth"."b" (id int)',
      'DROP TABLE "auth"."a"',
    ]);
    expect(statements.map((s) => [s.line, s.column])).toEqual([
      [1, 1],
      [3, 1],
      [3, 35],
      [5, 1],
    ]);
  });

  it('does not split on semicolons inside strings, dollar quotes or comments', () => {
    const statements = analyzeSqlSync(
      "INSERT INTO t VALUES ('a;b');\n/* c; d */ SELECT 1;\nDO $$ BEGIN PERFORM 1; PERFORM 2; END $$;\n-- e; f\nSELECT 2",
    );
    expect(statements.map((s) => s.kind)).toEqual(['InsertStmt', 'SelectStmt', 'DoStmt', 'SelectStmt']);
    expect(statements[2]!.sql).toBe('DO $$ BEGIN PERFORM 1; PERFORM 2; END $$');
  });

  it('keeps lines and columns right after non-ASCII text', () => {
    const statements = analyzeSqlSync("-- Ajoute la colonne « téléphone » 📞\nSELECT 'é';  ALTER TABLE t ADD COLUMN x int;");
    expect(statements.map((s) => [s.sql, s.line, s.column])).toEqual([
      ["SELECT 'é'", 2, 1],
      ['ALTER TABLE t ADD COLUMN x int', 2, 14],
    ]);
  });

  it('returns nothing for an empty or comment-only file', () => {
    expect(analyzeSqlSync('')).toEqual([]);
    expect(analyzeSqlSync('-- nothing here\n/* still nothing */\n')).toEqual([]);
  });

  it('reports a syntax error with its file, line and column', () => {
    let error: unknown;
    try {
      analyzeSqlSync('SELECT 1;\n--> statement-breakpoint\nALTER TABEL t ADD COLUMN x int;', { file: 'migrations/0001_x.sql' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SqlSyntaxError);
    expect(error).toMatchObject({ file: 'migrations/0001_x.sql', line: 3, column: 7 });
    expect((error as Error).message).toBe('migrations/0001_x.sql:3:7: syntax error: syntax error at or near "TABEL"');
  });

  it('parses a thousand statements quickly enough to run on every migrate', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `ALTER TABLE "auth"."users" ADD COLUMN "c${i}" varchar(20);`).join('\n--> statement-breakpoint\n');
    const statements = analyzeSqlSync(text);
    expect(statements).toHaveLength(1000);
    expect(statements[999]!.line).toBe(1999);
  });
});
