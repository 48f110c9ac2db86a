import { beforeAll, describe, expect, it } from 'vitest';
import { SqlSyntaxError } from '../errors.js';
import { classify } from './classify.js';
import { sqlComments } from './comments.js';
import { loadParser, parseStatements } from './parse.js';
import { migrationPhase } from './phase.js';
import { analyzeInWindows } from './windows.js';

beforeAll(async () => {
  await loadParser();
});

/** The statements (or the syntax error) as one parse of the whole file gives them: the path used before issue 9. */
function wholeFile(text: string): unknown {
  return outcome(() => classify(parseStatements(text, 'm.sql')));
}

function outcome(analyze: () => unknown): unknown {
  try {
    return analyze();
  } catch (error) {
    if (!(error instanceof SqlSyntaxError)) throw error;
    return { error: error.message, line: error.line, column: error.column };
  }
}

/**
 * Window sizes from "every statement alone" (and every row of a VALUES list its own batch) to the
 * default, with the trees of the first pass kept for the second or parsed again.
 */
const SIZES = [
  { windowChars: 1, largeStatementChars: 1, keepTreesChars: 0 },
  { windowChars: 1, largeStatementChars: 1 },
  { windowChars: 7, largeStatementChars: 40, keepTreesChars: 0 },
  { windowChars: 60, largeStatementChars: 20 },
  { windowChars: 300, largeStatementChars: 100, keepTreesChars: 0 },
  {},
];

function expectSameAsWholeFile(text: string): void {
  const expected = wholeFile(text);
  for (const size of SIZES) {
    expect(outcome(() => analyzeInWindows(text, { file: 'm.sql', ...size })), JSON.stringify(size)).toEqual(expected);
  }
}

const FILES: Record<string, string> = {
  'a drizzle-kit migration': `CREATE TABLE "posts" (\n\t"id" serial PRIMARY KEY NOT NULL,\n\t"user_id" integer NOT NULL\n);\n--> statement-breakpoint\nALTER TABLE "posts" ADD CONSTRAINT "posts_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id");--> statement-breakpoint\nCREATE INDEX CONCURRENTLY "posts_user_idx" ON "posts" USING btree ("user_id");\n--> statement-breakpoint\nALTER TABLE "users" DROP COLUMN "phone";`,
  'dollar quotes with semicolons, nested tags, and identifiers with $$': `CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN NEW.x := 1; RETURN NEW; END; $fn$;\nDO $$ BEGIN PERFORM 1; END $$;\nDO $a$ BEGIN RAISE NOTICE '$b$ ; $b$'; END $a$;\nSELECT a$$b FROM (SELECT 1 AS a$$b) s;\nSELECT $q$ ; $Q$ ; $q$;`,
  'BEGIN ATOMIC bodies, whose semicolons do not end the statement': `CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT a + b; END;\nCREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); INSERT INTO t VALUES (2), (3); SELECT CASE WHEN true THEN 1 END; END;\nSELECT 1;`,
  'rule actions in parentheses': `CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO log VALUES (1); INSERT INTO log VALUES (2));\nSELECT 2;`,
  'comments with semicolons': `-- header; with semicolons\n/* c; /* nested; */ d; */ SELECT 1 /* why; */ ;\nSELECT 2; -- after; it\n/* ; */\nSELECT 3 -- last, no semicolon; at all`,
  "E'' strings, their continuation lines, and backslashes in standard strings": `SELECT E'it\\'s; here', e'\\\\';\nSELECT E'a'\n  'b\\'; c';\nSELECT 'back\\';\nSELECT U&'d\\0061t; x', B'0101', X'1F', N'na;t';\nCREATE TABLE "we;ird""name" ("col;1" int);`,
  'non-ASCII text before and inside statements': `-- commentaire « é » 📞; encore\nINSERT INTO "tëst" VALUES ('é;📞');  SELECT 'ü';\n/* 日本語; */ SELECT 3`,
  'empty statements and blank tails': `;;SELECT 1;;;\n\n--> statement-breakpoint\n  ;\n`,
  'verdicts that depend on other statements: a table created earlier, an enum value used later': `CREATE TABLE "t" (x int);\nALTER TABLE "t" ADD COLUMN "y" int NOT NULL;\nCREATE TYPE mood AS ENUM ('happy');\nALTER TYPE mood ADD VALUE 'sad';\nSELECT 1;\nSELECT 2;\nDO $$ BEGIN PERFORM 'sad'::mood; END $$;\nALTER TYPE mood ADD VALUE 'calm';\nUPDATE person SET m = 'calm';`,
  'large INSERT ... VALUES lists: rows with strings, comments, DEFAULT, subqueries, ON CONFLICT and RETURNING': `INSERT INTO "t" ("a", "b") VALUES (1, 'x;y'), -- row comment; with a semicolon\n (2, E'it\\'s'), (3, $$dollar;$$), (DEFAULT, 'z'),\n ((SELECT 4), 'w'), (5, 'v') /* the last; */ ON CONFLICT ("a") DO UPDATE SET "b" = EXCLUDED."b" RETURNING "a";\nINSERT INTO "t" VALUES (1), (2), (3)\n;\nINSERT INTO "t" VALUES (1),(2),(3) -- no semicolon`,
  'an enum value first used deep inside a large VALUES list': `ALTER TYPE mood ADD VALUE 'sad';\nINSERT INTO person (name, m) VALUES ('a', 'happy'), ('b', 'happy'), ('c', 'happy'), ('d', 'happy'), ('e', 'sad'), ('f', 'happy');\nALTER TYPE mood ADD VALUE 'calm';\nINSERT INTO person (name, m) VALUES ('a', 'happy'), ('b', 'happy');\nUPDATE person SET m = 'calm';`,
  'VALUES lists that are not an INSERT, or not a list of rows': `VALUES (1), (2), (3);\nCREATE TABLE x AS VALUES (1), (2);\nINSERT INTO values (a) VALUES (1), (2);\nINSERT INTO t SELECT * FROM (VALUES (1), (2)) v;\nINSERT INTO t VALUES (1), (2) UNION SELECT 3;`,
  'a syntax error in a statement between two others': `SELECT 1;\n--> statement-breakpoint\nALTER TABEL t ADD COLUMN x int;\nSELECT 2;`,
  'a syntax error after accents and emoji on the same line': `SELECT 'é📞';\nSELECT 'ü', FROM t;`,
  'a syntax error in a row of a large VALUES list': `INSERT INTO t VALUES (1, 'a;'), (2, 'b'), (3,, 'c'), (4, 'd');`,
  'a syntax error between two rows': `INSERT INTO t VALUES (1), (2) (3), (4);`,
  'a syntax error in the clause after the rows': `INSERT INTO t VALUES (1), (2), (3) ON CONFLICT DO NOTHNG;`,
  'a syntax error right after the last row': `INSERT INTO t VALUES (1), (2), (3)oops;`,
  'a syntax error in the head of a large INSERT': `INSERT INTO t (a, b VALUES (1), (2), (3);`,
  'a string left open at the end of the file': `SELECT 1;\nSELECT 'oops;\nSELECT 2;`,
  'a BEGIN ATOMIC body left open at the end of the file': `SELECT 1;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2;`,
  'a syntax error after a BEGIN ATOMIC body': `CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END; SELEC 2;`,
  'a comment left open at the end of the file': `SELECT 1;\n/* never closed; SELECT 2;`,
  'trailing junk after a number': `SELECT 1;\nSELECT 1e;\nSELECT 2;`,
};

describe('parsing a file in windows gives what one parse of the whole file gives', () => {
  for (const [name, text] of Object.entries(FILES)) {
    it(name, () => {
      expectSameAsWholeFile(text);
    });
  }

  it('reports a row of a large VALUES list at its own line, column and text', () => {
    const text = `INSERT INTO t VALUES\n${Array.from({ length: 50 }, (_, i) => (i === 37 ? `  (${i}, 'é📞' 'x')` : `  (${i}, 'row ${i}; ok')`)).join(',\n')};`;
    const expected = wholeFile(text);
    expect(expected).toEqual({ error: `m.sql:39:14: syntax error: syntax error at or near "'x'"`, line: 39, column: 14 });
    for (const size of SIZES) expect(outcome(() => analyzeInWindows(text, { file: 'm.sql', ...size }))).toEqual(expected);
  });

  it('keeps verdicts, positions and texts on a generated file of a thousand mixed statements', () => {
    const statements: string[] = [];
    for (let i = 0; i < 1000; i++) {
      switch (i % 6) {
        case 0:
          statements.push(`CREATE TABLE "t${i}" ("id" int, "v" text);`);
          break;
        case 1:
          statements.push(`ALTER TABLE "t${i - 1}" ADD COLUMN "c" int NOT NULL; -- on a table of this file: expand`);
          break;
        case 2:
          statements.push(`INSERT INTO "t${i - 2}" VALUES ${Array.from({ length: 8 }, (_, k) => `(${k}, 'v;${k}')`).join(', ')};`);
          break;
        case 3:
          statements.push(`CREATE INDEX CONCURRENTLY ON "t${i - 3}" ("v");`);
          break;
        case 4:
          statements.push(`CREATE FUNCTION f${i}() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT ${i}; END;`);
          break;
        default:
          statements.push(`ALTER TABLE "old" DROP COLUMN "c${i}";`);
      }
    }
    expectSameAsWholeFile(statements.join('\n--> statement-breakpoint\n'));
  });
});

describe('finding comments in windows', () => {
  it('finds the comments that one scan of the whole text finds', () => {
    for (const text of Object.values(FILES)) {
      const whole = sqlComments(text, Number.MAX_SAFE_INTEGER);
      for (const window of [1, 10, 100]) expect(sqlComments(text, window)).toEqual(whole);
    }
  });

  it('still reads the phase comment of a long file', () => {
    const text = `${'INSERT INTO t VALUES (1);\n'.repeat(11_000)}-- sdk:phase contract\nSELECT 1;`;
    expect(migrationPhase(text, []).reason).toBe('set by the `-- sdk:phase contract` comment on line 11001');
  });
});
