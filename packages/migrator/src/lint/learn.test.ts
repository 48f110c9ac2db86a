import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../sql/parse.js';
import { lintText } from './engine.js';
import { NEWEST_PG_VERSION } from './files.js';
import { SchemaKnowledge } from './knowledge.js';
import { RULE_IDS } from './registry.js';

beforeAll(loadParser);

/** What the linter knows after reading the migrations in order. */
function learned(...files: string[]): SchemaKnowledge {
  const knowledge = new SchemaKnowledge();
  files.forEach((text, i) => {
    knowledge.file = i;
    lintText(text, { pgVersion: NEWEST_PG_VERSION, rules: [], knownRules: RULE_IDS, knowledge, path: `${i}.sql` });
  });
  return knowledge;
}

describe('what the linter learns about a column default', () => {
  it('keeps each DEFAULT as the migration writes it, and knows serial, identity and generated columns', () => {
    const k = learned(
      `CREATE TABLE "orders" ("id" serial PRIMARY KEY, "state" text DEFAULT 'new' NOT NULL, "code" text DEFAULT 'a' || 'b', "n" int GENERATED ALWAYS AS IDENTITY,
         "total" int GENERATED ALWAYS AS ("n" * 2) STORED, "note" text DEFAULT NULL, "at" timestamptz DEFAULT now());`,
    );
    expect(k.columnDefault('public.orders', 'state')).toEqual({ kind: 'expression', sql: "'new'" });
    expect(k.columnDefault('public.orders', 'code')).toEqual({ kind: 'expression', sql: "'a' || 'b'" });
    expect(k.columnDefault('public.orders', 'at')).toEqual({ kind: 'expression', sql: 'now()' });
    expect(k.columnDefault('public.orders', 'id')).toEqual({ kind: 'sequence' });
    expect(k.columnDefault('public.orders', 'n')).toEqual({ kind: 'sequence' });
    expect(k.columnDefault('public.orders', 'total')).toEqual({ kind: 'generated' });
    expect(k.columnDefault('public.orders', 'note')).toBeUndefined();
  });

  it('follows ADD COLUMN, SET DEFAULT and DROP DEFAULT, a rename and a drop', () => {
    const k = learned(
      'CREATE TABLE t (a int, b int, c int);',
      "ALTER TABLE t ADD COLUMN d text DEFAULT 'x' NOT NULL, ALTER COLUMN a SET DEFAULT 1, ALTER COLUMN b SET DEFAULT (2 + 3), ALTER COLUMN c SET DEFAULT 4;",
      'ALTER TABLE t ALTER COLUMN c DROP DEFAULT;\nALTER TABLE t RENAME COLUMN a TO a2;\nALTER TABLE t DROP COLUMN b;',
    );
    expect(k.columnDefault('public.t', 'd')).toEqual({ kind: 'expression', sql: "'x'" });
    expect(k.columnDefault('public.t', 'a2')).toEqual({ kind: 'expression', sql: '1' });
    expect(k.columnDefault('public.t', 'a')).toBeUndefined();
    expect(k.columnDefault('public.t', 'b')).toBeUndefined();
    expect(k.columnDefault('public.t', 'c')).toBeUndefined();
  });
});

describe('what the linter learns about the constraints and indexes that use a column', () => {
  const tables = [
    'CREATE TABLE "users" ("id" serial PRIMARY KEY, "email" text UNIQUE, "age" int CHECK ("age" >= 0), "name" text);',
    'CREATE TABLE "posts" ("id" serial PRIMARY KEY, "user_id" integer REFERENCES "users", "title" text);\nCREATE INDEX "posts_title_idx" ON "posts" ("title");',
  ];

  it('names them as PostgreSQL does, and finds the keys that reference the column from other tables', () => {
    const k = learned(...tables);
    expect(k.columnUses('public.users', 'id')).toEqual(['primary key users_pkey', 'referenced by foreign key public.posts.posts_user_id_fkey']);
    expect(k.columnUses('public.users', 'email')).toEqual(['unique users_email_key']);
    expect(k.columnUses('public.users', 'age')).toEqual(['check users_age_check']);
    expect(k.columnUses('public.users', 'name')).toEqual([]);
    expect(k.columnUses('public.posts', 'user_id')).toEqual(['foreign key posts_user_id_fkey']);
    expect(k.columnUses('public.posts', 'title')).toEqual(['index posts_title_idx']);
  });

  it('forgets a dropped constraint or index, and follows a renamed column', () => {
    const k = learned(...tables, 'ALTER TABLE "users" DROP CONSTRAINT "users_email_key";\nDROP INDEX "posts_title_idx";\nALTER TABLE "users" RENAME COLUMN "age" TO "years";');
    expect(k.columnUses('public.users', 'email')).toEqual([]);
    expect(k.columnUses('public.posts', 'title')).toEqual([]);
    expect(k.columnUses('public.users', 'years')).toEqual(['check users_age_check']);
  });
});
