import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSqlSync } from '../sql/parse.js';
import { lintSql, loadParser } from './__fixtures__/harness.js';
import { lintText } from './engine.js';
import { SchemaKnowledge } from './knowledge.js';
import { RULE_IDS } from './registry.js';
import { creatingIndexNonConcurrently } from './rules/creating-index-non-concurrently.js';

beforeAll(loadParser);

const rules = [creatingIndexNonConcurrently];
const lint = (sql: string) => lintSql(sql, { rules });
const ids = (sql: string) => lint(sql).map((v) => `${v.rule}@${v.line}:${v.column}`);

describe('bad input is a finding, never a crash', () => {
  it('reports a syntax error at its line and column', () => {
    expect(lint('CREATE TABLE t (id int);\nALTER TABLE t ADD COLUM x int;')).toMatchObject([
      { rule: 'syntax-error', severity: 'error', line: 2, column: 27, message: 'syntax error: syntax error at or near "int"' },
    ]);
  });

  it('reports an empty or comments-only migration as a warning', () => {
    expect(ids('')).toEqual(['empty-migration@1:1']);
    expect(ids('-- nothing yet\n/* later */\n')).toEqual(['empty-migration@1:1']);
    // An operation's marker migration is empty on purpose: its backfill runs right after it.
    expect(ids('-- sdk:phase expand\n-- sdk:operation add_x add-required-column (1 of 5): make public.t.x NOT NULL\n')).toEqual([]);
  });

  it('keeps positions right after non-ASCII text', () => {
    expect(ids("-- Ünïcødé 🚀\nSELECT '🚀';\nCREATE INDEX i ON t (x);")).toEqual(['creating-index-non-concurrently@3:1']);
  });
});

describe('ignore comments', () => {
  const unsafe = 'CREATE INDEX i ON t (x);';

  it('suppress the rule on the statement after them', () => {
    expect(ids(`-- sdk-lint-ignore creating-index-non-concurrently: t has 12 rows\n${unsafe}`)).toEqual([]);
  });

  it('suppress the rule on the statement they trail', () => {
    expect(ids(`${unsafe} -- sdk-lint-ignore creating-index-non-concurrently: tiny table`)).toEqual([]);
  });

  it('trailing two statements on one line, apply to the second', () => {
    expect(ids('CREATE INDEX a ON t (x); CREATE INDEX b ON t (y); -- sdk-lint-ignore creating-index-non-concurrently: tiny')).toEqual([
      'creating-index-non-concurrently@1:1',
    ]);
  });

  it('apply to that statement only', () => {
    expect(ids(`-- sdk-lint-ignore creating-index-non-concurrently: tiny\n${unsafe}\nCREATE INDEX j ON t (y);`)).toEqual([
      'creating-index-non-concurrently@3:1',
    ]);
  });

  it('apply to the statement they sit inside', () => {
    expect(ids('CREATE INDEX i\n  -- sdk-lint-ignore creating-index-non-concurrently: t is tiny\n  ON t (x);\nCREATE INDEX j ON t (y);')).toEqual([
      'creating-index-non-concurrently@4:1',
    ]);
  });

  it('apply to a whole file with sdk-lint-ignore-file', () => {
    expect(ids(`-- sdk-lint-ignore-file creating-index-non-concurrently: lookup tables\n${unsafe}\nCREATE INDEX j ON t (y);`)).toEqual([]);
  });

  it('cover the statements inside a DO block they precede', () => {
    expect(ids(`/* sdk-lint-ignore creating-index-non-concurrently: empty table */\nDO $$ BEGIN ${unsafe} END $$;`)).toEqual([]);
  });

  it('are reported when they suppress nothing', () => {
    const [v] = lint('-- sdk-lint-ignore creating-index-non-concurrently: was needed once\nCREATE INDEX CONCURRENTLY i ON t (x);');
    expect(v).toMatchObject({ rule: 'unused-ignore', severity: 'warning', line: 1, column: 1 });
    expect(v?.message).toBe('This ignore comment suppresses nothing: creating-index-non-concurrently reports nothing on the statement it applies to.');
  });

  it('are reported when they give no reason or name an unknown rule, and then suppress nothing', () => {
    expect(lint(`-- sdk-lint-ignore creating-index-non-concurrently\n${unsafe}`).map((v) => [v.rule, v.message])).toEqual([
      ['invalid-ignore', 'This ignore comment gives no reason.'],
      ['creating-index-non-concurrently', expect.any(String)],
    ]);
    expect(lint(`-- sdk-lint-ignore no-such-rule: because\n${unsafe}`).map((v) => [v.rule, v.message])).toEqual([
      ['invalid-ignore', 'This ignore comment names unknown rule no-such-rule.'],
      ['creating-index-non-concurrently', expect.any(String)],
    ]);
  });

  it('inside a string literal are just text', () => {
    expect(ids(`SELECT '-- sdk-lint-ignore creating-index-non-concurrently: no';\n${unsafe}`)).toEqual(['creating-index-non-concurrently@2:1']);
  });
});

describe('SQL inside DO blocks', () => {
  it('lints plain statements and EXECUTE of a string literal, at their own lines', () => {
    const sql = "DO $$\nBEGIN\n  IF true THEN\n    CREATE INDEX a ON t (x);\n  END IF;\n  EXECUTE 'CREATE INDEX b ON t (y)';\nEND $$;";
    expect(ids(sql)).toEqual(['creating-index-non-concurrently@4:5', 'creating-index-non-concurrently@6:11']);
  });

  it('skips SQL built at run time, which cannot be known', () => {
    expect(ids("DO $$ BEGIN EXECUTE format('CREATE INDEX %I ON t (x)', 'i'); END $$;")).toEqual([]);
  });

  it('skips a DO block in another language, and one whose body does not parse', () => {
    expect(ids("DO LANGUAGE plperl $$ print 'CREATE INDEX i ON t (x)' $$;")).toEqual([]);
    expect(ids('DO $$ BEGIN CREATE INDEX i ON t (x END $$;')).toEqual([]);
  });
});

describe('one classification for the linter and the runner', () => {
  it('gives every statement the phase and transaction mode the runner uses', () => {
    const sql = [
      'CREATE TABLE "a" ("id" int)',
      'ALTER TABLE "u" ADD COLUMN "x" int',
      'ALTER TABLE "u" DROP COLUMN "y"',
      'CREATE INDEX CONCURRENTLY "i" ON "u" ("x")',
      'ALTER TABLE "u" RENAME COLUMN "a" TO "b"',
    ].join(';\n--> statement-breakpoint\n');
    const linted = lintText(sql, { path: 'm.sql', pgVersion: 18, rules, knownRules: RULE_IDS }).statements;
    const runner = analyzeSqlSync(sql);
    expect(linted.map((s) => [s.line, s.phase, s.transactional])).toEqual(runner.map((s) => [s.line, s.phase, s.transactional]));
    expect(linted.map((s) => s.phase)).toEqual(['expand', 'expand', 'contract', 'expand', 'contract']);
  });
});

describe('effects', () => {
  const statementEffects = lintWithHistory;

  it('know a widening varchar keeps the rows and int -> bigint rewrites them', () => {
    const history = ['CREATE TABLE "t" ("name" varchar(50), "n" integer);'];
    expect(statementEffects('ALTER TABLE "t" ALTER COLUMN "name" SET DATA TYPE varchar(100);', history)[0]).toMatchObject({ relation: 'public.t', lock: 'ACCESS EXCLUSIVE', rewrite: false, scan: false });
    expect(statementEffects('ALTER TABLE "t" ALTER COLUMN "n" SET DATA TYPE bigint;', history)[0]).toMatchObject({ rewrite: true, scan: true });
  });

  it('know which tables a foreign key ties together, named or not', () => {
    const history = [
      'CREATE TABLE "accounts" ("id" serial PRIMARY KEY);\n--> statement-breakpoint\nCREATE TABLE "orders" ("id" serial PRIMARY KEY, "account_id" integer REFERENCES "accounts"("id"));',
      'CREATE TABLE "lines" ("order_id" integer);\n--> statement-breakpoint\nALTER TABLE "lines" ADD CONSTRAINT "lines_order_fk" FOREIGN KEY ("order_id") REFERENCES "orders"("id");',
    ];
    const locked = (sql: string) => statementEffects(sql, history).map((e) => `${e.relation} ${e.lock}${e.rewrite ? ' rewrite' : ''}`);
    expect(locked('ALTER TABLE "orders" DROP CONSTRAINT "orders_account_id_fkey";')).toEqual(['public.orders ACCESS EXCLUSIVE', 'public.accounts ACCESS EXCLUSIVE']);
    expect(locked('ALTER TABLE "lines" DROP COLUMN "order_id";')).toEqual(['public.lines ACCESS EXCLUSIVE', 'public.orders ACCESS EXCLUSIVE']);
    expect(locked('DROP TABLE "lines";')).toEqual(['public.lines ACCESS EXCLUSIVE', 'public.orders ACCESS EXCLUSIVE']);
    expect(locked('ALTER TABLE "accounts" ALTER COLUMN "id" SET DATA TYPE bigint;')).toEqual(['public.accounts ACCESS EXCLUSIVE rewrite', 'public.orders ACCESS EXCLUSIVE']);
    expect(locked('TRUNCATE "accounts" CASCADE;')).toEqual(['public.accounts ACCESS EXCLUSIVE rewrite', 'public.orders ACCESS EXCLUSIVE rewrite', 'public.lines ACCESS EXCLUSIVE rewrite']);
    expect(locked('TRUNCATE "accounts";')).toEqual(['public.accounts ACCESS EXCLUSIVE rewrite']);
  });

  it('know a foreign key locks both tables', () => {
    expect(statementEffects('ALTER TABLE "o" ADD CONSTRAINT "fk" FOREIGN KEY ("u") REFERENCES "auth"."users"("id");').map((e) => [e.relation, e.lock, e.scan])).toEqual([
      ['public.o', 'SHARE ROW EXCLUSIVE', true],
      ['auth.users', 'SHARE ROW EXCLUSIVE', true],
    ]);
  });
});


/** Effects of the last statement of `sql`, after `history` migrations. */
function lintWithHistory(sql: string, history: string[] = []) {
  const knowledge = new SchemaKnowledge();
  for (const text of history) lintText(text, { path: 'h.sql', pgVersion: 18, rules: [], knownRules: RULE_IDS, knowledge });
  return lintText(sql, { path: 'm.sql', pgVersion: 18, rules: [], knownRules: RULE_IDS, knowledge }).statements.at(-1)!.effects;
}
