import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../sql/parse.js';
import { lintText } from './engine.js';
import { SchemaKnowledge } from './knowledge.js';
import { RULE_IDS } from './registry.js';
import type { RelationEffect } from './types.js';

beforeAll(loadParser);

/** Effects of the last statement of `sql`, after `history` migrations. */
function effectsOf(sql: string, history: string[] = [], pgVersion = 15): RelationEffect[] {
  const knowledge = new SchemaKnowledge();
  for (const text of history) lintText(text, { path: 'h.sql', pgVersion, rules: [], knownRules: RULE_IDS, knowledge });
  return lintText(sql, { path: 'm.sql', pgVersion, rules: [], knownRules: RULE_IDS, knowledge }).statements.at(-1)!.effects;
}

const locks = (effects: RelationEffect[]) => effects.map((e) => [e.relation, e.lock]);

const accounts = 'CREATE TABLE "accounts" ("id" serial PRIMARY KEY, "email" text, "note" varchar(20)[], "seen_at" timestamp (3));';

describe('effects of statements that change a table', () => {
  it('know ADD COLUMN of a domain with constraints rewrites the table, default or not', () => {
    const domain = 'CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);';
    expect(effectsOf('ALTER TABLE "accounts" ADD COLUMN "credits" positive_int;', [accounts, domain])[0]).toMatchObject({ lock: 'ACCESS EXCLUSIVE', rewrite: true, scan: true });
    expect(effectsOf('ALTER TABLE "accounts" ADD COLUMN "credits" positive_int DEFAULT 1;', [accounts, domain])[0]).toMatchObject({ rewrite: true });
    expect(effectsOf('ALTER TABLE "accounts" ADD COLUMN "credits" plain_int;', [accounts, 'CREATE DOMAIN plain_int AS integer;'])[0]).toMatchObject({ rewrite: false, scan: false });
  });

  it('know a COLLATE that keeps the rows rebuilds indexes without rewriting the table', () => {
    expect(effectsOf('ALTER TABLE "accounts" ALTER COLUMN "email" TYPE text COLLATE "C";', [accounts])[0]).toMatchObject({ rewrite: false, scan: true });
  });

  it('know a new partition scans the parent\'s DEFAULT partition under ACCESS EXCLUSIVE', () => {
    const events = 'CREATE TABLE events (at date) PARTITION BY RANGE (at);\nCREATE TABLE events_default PARTITION OF events DEFAULT;\nCREATE TABLE events_2025 (at date);';
    const create = effectsOf("CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');", [events]);
    expect(create.find((e) => e.relation === 'public.events_default')).toMatchObject({ lock: 'ACCESS EXCLUSIVE', scan: true });
    const attach = effectsOf("ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');", [events]);
    expect(attach.find((e) => e.relation === 'public.events_default')).toMatchObject({ lock: 'ACCESS EXCLUSIVE', scan: true });
    expect(effectsOf("CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');", ['CREATE TABLE events (at date) PARTITION BY RANGE (at);']).map((e) => e.relation)).toEqual(['public.events']);
  });

  it('know ADD COLUMN ... CHECK checks every row, and a plain ADD COLUMN does not', () => {
    expect(effectsOf('ALTER TABLE "accounts" ADD COLUMN "age" integer CHECK ("age" >= 0);', [accounts])[0]).toMatchObject({ lock: 'ACCESS EXCLUSIVE', rewrite: false, scan: true });
    expect(effectsOf('ALTER TABLE "accounts" ADD COLUMN "age" integer;', [accounts])[0]).toMatchObject({ rewrite: false, scan: false });
  });

  it('know an array type change rewrites unless only the typmod goes', () => {
    expect(effectsOf('ALTER TABLE "accounts" ALTER COLUMN "note" SET DATA TYPE varchar(40)[];', [accounts])[0]).toMatchObject({ rewrite: true });
    expect(effectsOf('ALTER TABLE "accounts" ALTER COLUMN "note" SET DATA TYPE text[];', [accounts])[0]).toMatchObject({ rewrite: true });
    expect(effectsOf('ALTER TABLE "accounts" ALTER COLUMN "note" SET DATA TYPE varchar[];', [accounts])[0]).toMatchObject({ rewrite: false });
  });

  it('take USING col and USING col::<new type> for no USING at all', () => {
    const history = ['CREATE TABLE products (sku varchar(50), name varchar(100));'];
    expect(effectsOf('ALTER TABLE products ALTER COLUMN sku TYPE varchar(100) USING sku;', history)[0]).toMatchObject({ rewrite: false });
    expect(effectsOf('ALTER TABLE products ALTER COLUMN name TYPE varchar(200) USING name::varchar(200);', history)[0]).toMatchObject({ rewrite: false });
    expect(effectsOf('ALTER TABLE products ALTER COLUMN name TYPE varchar(200) USING trim(name);', history)[0]).toMatchObject({ rewrite: true });
    expect(effectsOf('ALTER TABLE products ALTER COLUMN name TYPE varchar(200) USING name::text;', history)[0]).toMatchObject({ rewrite: true });
  });

  it('say timestamp -> timestamptz rewrites unless the session TimeZone is UTC', () => {
    const [effect] = effectsOf('ALTER TABLE "accounts" ALTER COLUMN "seen_at" SET DATA TYPE timestamptz;', [accounts]);
    expect(effect).toMatchObject({ rewrite: true });
    expect(effect!.why).toContain('rewrites unless the session TimeZone is UTC (PostgreSQL 12+)');
    // A target precision other than 6 adds a typmod coercion that always rewrites.
    expect(effectsOf('ALTER TABLE "accounts" ALTER COLUMN "seen_at" SET DATA TYPE timestamptz(3);', [accounts])[0]!.why).not.toContain('UTC');
  });

  it('know SET NOT NULL scans when the same statement drops the CHECK that proves it', () => {
    const history = [
      'CREATE TABLE "users" ("id" serial PRIMARY KEY, "email" text);',
      'ALTER TABLE "users" ADD CONSTRAINT "users_email_not_null" CHECK ("email" IS NOT NULL) NOT VALID;',
      'ALTER TABLE "users" VALIDATE CONSTRAINT "users_email_not_null";',
    ];
    expect(effectsOf('ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;', history)[0]).toMatchObject({ scan: false });
    expect(effectsOf('ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL, DROP CONSTRAINT "users_email_not_null";', history)[0]).toMatchObject({ scan: true });
  });

  it('know PRIMARY KEY USING INDEX scans a nullable key column', () => {
    const index = 'CREATE UNIQUE INDEX CONCURRENTLY "legacy_id_idx" ON "legacy" ("id");';
    const sql = 'ALTER TABLE "legacy" ADD CONSTRAINT "legacy_pkey" PRIMARY KEY USING INDEX "legacy_id_idx";';
    expect(effectsOf(sql, ['CREATE TABLE "legacy" ("id" integer);', index])[0]).toMatchObject({ lock: 'ACCESS EXCLUSIVE', scan: true });
    expect(effectsOf(sql, ['CREATE TABLE "legacy" ("id" integer NOT NULL);', index])[0]).toMatchObject({ scan: false });
    expect(effectsOf(sql, ['CREATE TABLE "legacy" ("id" integer);', 'ALTER TABLE "legacy" ALTER COLUMN "id" SET NOT NULL;', index])[0]).toMatchObject({ scan: false });
  });
});

describe('effects of statements on objects that belong to a table', () => {
  it('lock the table for COMMENT ON TABLE and COMMENT ON COLUMN with SHARE UPDATE EXCLUSIVE', () => {
    expect(locks(effectsOf('COMMENT ON TABLE "accounts" IS \'people\';'))).toEqual([['public.accounts', 'SHARE UPDATE EXCLUSIVE']]);
    expect(locks(effectsOf('COMMENT ON COLUMN "auth"."users"."email" IS NULL;'))).toEqual([['auth.users', 'SHARE UPDATE EXCLUSIVE']]);
  });

  it('lock the table for CREATE STATISTICS with SHARE UPDATE EXCLUSIVE', () => {
    expect(locks(effectsOf('CREATE STATISTICS "accounts_stats" ON "id", "email" FROM "accounts";'))).toEqual([['public.accounts', 'SHARE UPDATE EXCLUSIVE']]);
  });

  it('lock the table for policies, triggers and rules with ACCESS EXCLUSIVE', () => {
    for (const sql of [
      'CREATE POLICY "p" ON "accounts" USING (true);',
      'ALTER POLICY "p" ON "accounts" USING (false);',
      'DROP POLICY "p" ON "accounts";',
      'DROP TRIGGER "accounts_touch" ON "accounts";',
      'CREATE RULE "accounts_keep" AS ON DELETE TO "accounts" DO INSTEAD NOTHING;',
      'DROP RULE IF EXISTS "accounts_keep" ON "public"."accounts";',
    ]) {
      expect(locks(effectsOf(sql)), sql).toEqual([['public.accounts', 'ACCESS EXCLUSIVE']]);
    }
    expect(locks(effectsOf('DROP TRIGGER "t" ON "auth"."users";'))).toEqual([['auth.users', 'ACCESS EXCLUSIVE']]);
  });

  it('lock the table of an index a CREATE INDEX made, for DROP INDEX and REINDEX INDEX', () => {
    const history = ['CREATE TABLE "auth"."users" ("id" serial PRIMARY KEY, "email" text);', 'CREATE INDEX "users_email_idx" ON "auth"."users" ("email");'];
    expect(locks(effectsOf('DROP INDEX "auth"."users_email_idx";', history))).toEqual([
      ['auth.users_email_idx', 'ACCESS EXCLUSIVE'],
      ['auth.users', 'ACCESS EXCLUSIVE'],
    ]);
    expect(locks(effectsOf('DROP INDEX CONCURRENTLY "auth"."users_email_idx";', history))).toEqual([
      ['auth.users_email_idx', 'SHARE UPDATE EXCLUSIVE'],
      ['auth.users', 'SHARE UPDATE EXCLUSIVE'],
    ]);
    expect(locks(effectsOf('REINDEX INDEX "auth"."users_email_idx";', history))).toEqual([
      ['auth.users_email_idx', 'ACCESS EXCLUSIVE'],
      ['auth.users', 'SHARE'],
    ]);
    // An index nobody saw created: only the index is named.
    expect(locks(effectsOf('DROP INDEX "other_idx";', history))).toEqual([['public.other_idx', 'ACCESS EXCLUSIVE']]);
  });

  it('follow an index through renames of it and of its table, and forget it once dropped', () => {
    const history = [
      'CREATE TABLE "users" ("id" serial PRIMARY KEY, "email" text);',
      'CREATE INDEX "users_email_idx" ON "users" ("email");',
      'ALTER INDEX "users_email_idx" RENAME TO "users_email_index";',
      'ALTER TABLE "users" RENAME TO "members";',
    ];
    expect(locks(effectsOf('DROP INDEX "users_email_index";', history))).toEqual([
      ['public.users_email_index', 'ACCESS EXCLUSIVE'],
      ['public.members', 'ACCESS EXCLUSIVE'],
    ]);
    expect(locks(effectsOf('DROP INDEX "users_email_index";', [...history, 'DROP INDEX "users_email_index";']))).toEqual([['public.users_email_index', 'ACCESS EXCLUSIVE']]);
  });
});
