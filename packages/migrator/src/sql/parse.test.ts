import { beforeAll, describe, expect, it } from 'vitest';
import { SqlSyntaxError } from '../errors.js';
import { analyzeSql, analyzeSqlSync, loadParser } from './index.js';

beforeAll(async () => {
  await loadParser();
});

const where = (text: string) => analyzeSqlSync(text).map((s) => [s.sql, s.line, s.column]);

function syntaxErrorOf(text: string, file?: string): SqlSyntaxError {
  try {
    analyzeSqlSync(text, { file });
  } catch (error) {
    if (error instanceof SqlSyntaxError) return error;
    throw error;
  }
  throw new Error('expected a syntax error');
}

describe('splitting a migration file with the PostgreSQL parser', () => {
  it('splits on drizzle-kit breakpoints and on semicolons inside one chunk', () => {
    expect(
      where(
        'CREATE SCHEMA "auth";\n--> statement-breakpoint\nCREATE TABLE "auth"."a" (id int); CREATE TABLE "auth"."b" (id int);\n--> statement-breakpoint\nDROP TABLE "auth"."a";',
      ),
    ).toEqual([
      ['CREATE SCHEMA "auth"', 1, 1],
      ['CREATE TABLE "auth"."a" (id int)', 3, 1],
      ['CREATE TABLE "auth"."b" (id int)', 3, 35],
      ['DROP TABLE "auth"."a"', 5, 1],
    ]);
  });

  it('reads a file drizzle-kit generated, statement by statement, with each statement kind', () => {
    const text = [
      'CREATE TABLE "posts" (',
      '\t"id" serial PRIMARY KEY NOT NULL,',
      '\t"user_id" integer NOT NULL',
      ');',
      '--> statement-breakpoint',
      'ALTER TABLE "posts" ADD CONSTRAINT "posts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint',
      'CREATE INDEX "posts_user_idx" ON "posts" USING btree ("user_id");',
    ].join('\n');
    const statements = analyzeSqlSync(text);
    expect(statements.map((s) => [s.index, s.kind, s.line, s.column])).toEqual([
      [0, 'CreateStmt', 1, 1],
      [1, 'AlterTableStmt', 6, 1],
      [2, 'IndexStmt', 7, 1],
    ]);
    expect(statements[0]!.sql).toBe('CREATE TABLE "posts" (\n\t"id" serial PRIMARY KEY NOT NULL,\n\t"user_id" integer NOT NULL\n)');
    expect(statements[1]!.sql).toMatch(/^ALTER TABLE "posts" ADD CONSTRAINT .* ON UPDATE no action$/);
  });

  it('does not split on semicolons inside strings, dollar quotes or comments', () => {
    const statements = analyzeSqlSync(
      [
        "INSERT INTO t VALUES ('a;b', E'c\\';d');",
        '/* c; /* nested; */ d; */ SELECT 1;',
        'DO $$ BEGIN PERFORM 1; PERFORM 2; END $$;',
        'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $fn$ SELECT 1; $fn$;',
        '-- e; f',
        'SELECT 2',
      ].join('\n'),
    );
    expect(statements.map((s) => s.kind)).toEqual(['InsertStmt', 'SelectStmt', 'DoStmt', 'CreateFunctionStmt', 'SelectStmt']);
    expect(statements.map((s) => s.sql)).toEqual([
      "INSERT INTO t VALUES ('a;b', E'c\\';d')",
      'SELECT 1',
      'DO $$ BEGIN PERFORM 1; PERFORM 2; END $$',
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $fn$ SELECT 1; $fn$',
      'SELECT 2',
    ]);
  });

  it('leaves comments around a statement out of its text and position', () => {
    expect(where('/* header */ -- note\n  SELECT 1 /* why */ ;\nSELECT 2 -- last, no semicolon\n-- trailing')).toEqual([
      ['SELECT 1', 2, 3],
      ['SELECT 2', 3, 1],
    ]);
  });

  it('keeps comment-like text that is inside a string of the last statement', () => {
    expect(where("SELECT '-- not a comment /* nor this'")).toEqual([["SELECT '-- not a comment /* nor this'", 1, 1]]);
    expect(where("SELECT $$ -- kept $$ -- dropped")).toEqual([['SELECT $$ -- kept $$', 1, 1]]);
  });

  it('keeps lines and columns right after non-ASCII text', () => {
    const text = "-- Ajoute la colonne « téléphone » 📞\nSELECT 'é📞';  ALTER TABLE t ADD COLUMN x int;\n/* 日本語 */ SELECT 3";
    const statements = analyzeSqlSync(text);
    expect(statements.map((s) => [s.sql, s.line, s.column])).toEqual([
      ["SELECT 'é📞'", 2, 1],
      ['ALTER TABLE t ADD COLUMN x int', 2, 16],
      ['SELECT 3', 3, 11],
    ]);
    for (const s of statements) expect(text.slice(s.offset, s.offset + s.sql.length)).toBe(s.sql);
  });

  it('returns nothing for an empty, blank or comment-only file', () => {
    expect(analyzeSqlSync('')).toEqual([]);
    expect(analyzeSqlSync(' \n\t\n')).toEqual([]);
    expect(analyzeSqlSync('-- nothing here\n/* still nothing */\n--> statement-breakpoint\n;\n')).toEqual([]);
  });

  it('gives the same answer asynchronously, loading the parser itself', async () => {
    const text = 'SELECT 1;\n--> statement-breakpoint\nSELECT 2;';
    expect(await analyzeSql(text)).toEqual(analyzeSqlSync(text));
  });

  it('parses a thousand statements with non-ASCII comments, each at its own line', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `-- colonne n°${i} 📞\nALTER TABLE "auth"."users" ADD COLUMN "c${i}" varchar(20);`).join(
      '\n--> statement-breakpoint\n',
    );
    const statements = analyzeSqlSync(text);
    expect(statements).toHaveLength(1000);
    expect(statements[999]).toMatchObject({ sql: 'ALTER TABLE "auth"."users" ADD COLUMN "c999" varchar(20)', line: 2999, column: 1 });
    expect(statements[500]).toMatchObject({ line: 1502, column: 1 });
  });
});

describe('syntax errors', () => {
  it('reports the file, line and column of the error', () => {
    const error = syntaxErrorOf('SELECT 1;\n--> statement-breakpoint\nALTER TABEL t ADD COLUMN x int;', 'migrations/0001_x.sql');
    expect(error).toMatchObject({ code: 'E_SQL_SYNTAX', file: 'migrations/0001_x.sql', line: 3, column: 7 });
    expect(error.message).toBe('migrations/0001_x.sql:3:7: syntax error: syntax error at or near "TABEL"');
  });

  it('counts the column in characters after accents and emoji', () => {
    // PostgreSQL reports the error position in characters, not bytes: "📞" is one of them.
    const error = syntaxErrorOf("SELECT 'é📞';\nSELECT 'ü', FROM t;");
    expect(error).toMatchObject({ file: undefined, line: 2, column: 13 });
    expect(error.message).toBe('<sql>:2:13: syntax error: syntax error at or near "FROM"');
  });

  it('points inside a statement that spans lines', () => {
    expect(syntaxErrorOf("CREATE TABLE t (\n  a int,\n  b int,,\n  c text DEFAULT 'x'\n);")).toMatchObject({ line: 3, column: 9 });
  });

  it('reports an unterminated string where it starts', () => {
    expect(syntaxErrorOf("SELECT 1;\nSELECT 'oops;\n")).toMatchObject({ line: 2, column: 8 });
  });
});
