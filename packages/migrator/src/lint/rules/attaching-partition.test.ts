import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { attachingPartition as rule } from './attaching-partition.js';

beforeAll(loadParser);

const tables = [
  'CREATE TABLE "events" ("id" bigint, "created_at" date) PARTITION BY RANGE ("created_at");',
  'CREATE TABLE "events_2024" ("id" bigint, "created_at" date);',
].join('\n');
const lint = (sql: string, history: string[] = [tables], pgVersion?: number) => lintSql(sql, { rules: [rule], history, pgVersion });

describe('attaching-partition', () => {
  it('reports ATTACH PARTITION of an existing table with the CHECK recipe built from its bound', () => {
    const sql = 'ALTER TABLE "events" ATTACH PARTITION "events_2024" FOR VALUES FROM (\'2024-01-01\') TO (\'2025-01-01\');';
    const violations = lint(sql);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  attaching-partition
        Attaching events_2024 to events reads every row of events_2024 to check it fits the partition bound, and every read and write of events_2024 waits until it is done: minutes on a big table.
        1 | ALTER TABLE "events" ATTACH PARTITION "events_2024" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
          | ^
        lock: ACCESS EXCLUSIVE lock on events_2024 (blocks every read and write), held while every row is checked; and SHARE UPDATE EXCLUSIVE lock on events (blocks VACUUM, ANALYZE and other schema changes; reads and writes continue)
        help: Instead, prove the bound with a CHECK constraint first, so ATTACH PARTITION skips the scan:
              1. \`ALTER TABLE events_2024 ADD CONSTRAINT events_2024_partition_bound CHECK (<partition key> IS NOT NULL AND <partition key> >= '2024-01-01' AND <partition key> < '2025-01-01') NOT VALID;\` (instant: existing rows are not read; write the parent's partition key column for <partition key>)
              2. In a later migration (\`pnpm db:generate --custom\`): \`ALTER TABLE events_2024 VALIDATE CONSTRAINT events_2024_partition_bound;\` (reads every row under SHARE UPDATE EXCLUSIVE; reads and writes continue)
              3. Then \`ALTER TABLE "events" ATTACH PARTITION "events_2024" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\` (uses the validated CHECK instead of reading the table)
              4. \`ALTER TABLE events_2024 DROP CONSTRAINT events_2024_partition_bound;\` (the partition bound enforces it now)"
    `);
  });

  it('uses the partition key when this file creates the parent', () => {
    const sql = `CREATE TABLE "metrics" ("region" text, "value" int) PARTITION BY LIST ("region");\nALTER TABLE "metrics" ATTACH PARTITION "events_2024" FOR VALUES IN ('eu', 'us');`;
    const [v] = lint(sql);
    expect(v?.help).toContain("CHECK (region IS NOT NULL AND region IN ('eu', 'us')) NOT VALID;`");
  });

  it('leaves MINVALUE out of the CHECK', () => {
    const [v] = lint("ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM (MINVALUE) TO ('2025-01-01');");
    expect(v?.help).toContain("CHECK (<partition key> IS NOT NULL AND <partition key> < '2025-01-01') NOT VALID;`");
  });

  it('describes the CHECK for a hash bound it cannot write', () => {
    const [v] = lint('ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES WITH (MODULUS 4, REMAINDER 1);');
    expect(v?.help).toContain('CHECK (...) NOT VALID;` with a condition that matches `FOR VALUES WITH (MODULUS 4, REMAINDER 1)`');
  });

  it('says the parent is locked too before PostgreSQL 12', () => {
    const [v] = lint("ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');", [tables], 11);
    expect(v?.message).toContain('(and, before PostgreSQL 12, of events)');
    expect(v?.lock).toContain('ACCESS EXCLUSIVE lock on events (blocks every read and write)');
  });

  it('accepts a partition with a validated CHECK constraint', () => {
    const history = [
      tables,
      "ALTER TABLE events_2024 ADD CONSTRAINT events_2024_partition_bound CHECK (created_at IS NOT NULL AND created_at >= '2024-01-01' AND created_at < '2025-01-01') NOT VALID;",
      'ALTER TABLE events_2024 VALIDATE CONSTRAINT events_2024_partition_bound;',
    ];
    expect(lint("ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');", history)).toEqual([]);
  });

  it('reports a partition whose CHECK is still NOT VALID', () => {
    const history = [tables, 'ALTER TABLE events_2024 ADD CONSTRAINT b CHECK (created_at IS NOT NULL) NOT VALID;'];
    expect(lint("ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');", history)).toHaveLength(1);
  });

  it('accepts a partition created earlier in the same file', () => {
    const sql = 'CREATE TABLE "events_2025" (LIKE "events");\n--> statement-breakpoint\nALTER TABLE "events" ATTACH PARTITION "events_2025" FOR VALUES FROM (\'2025-01-01\') TO (\'2026-01-01\');';
    expect(lint(sql)).toEqual([]);
  });

  describe('a parent with a DEFAULT partition', () => {
    const withDefault = [
      'CREATE TABLE "events" ("id" bigint, "created_at" date) PARTITION BY RANGE ("created_at");',
      'CREATE TABLE "events_default" PARTITION OF "events" DEFAULT;',
    ].join('\n');

    it('reports CREATE TABLE ... PARTITION OF, which reads the default partition while the parent is locked', () => {
      const sql = 'CREATE TABLE "events_2025" PARTITION OF "events" FOR VALUES FROM (\'2025-01-01\') TO (\'2026-01-01\');';
      expect(rendered(sql, lint(sql, [withDefault]))).toMatchInlineSnapshot(`
        "migration.sql:1:1  error  attaching-partition
          Creating events_2025 as a partition of events reads every row of its default partition events_default to check that none belongs to the new bound (the statement fails if one does); every read and write of events and events_default waits until it is done: minutes on a big default partition.
          1 | CREATE TABLE "events_2025" PARTITION OF "events" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
            | ^
          lock: ACCESS EXCLUSIVE lock on events_default (blocks every read and write), held while every row is checked; and ACCESS EXCLUSIVE lock on events (blocks every read and write)
          help: Instead, either move the rows of events_default that belong to the new bound out first, in batches (then the check cannot fail, and it stays short while events_default is small), or take the default partition out while the partition is added, each step in its own migration (\`pnpm db:generate --custom\`: a migration keeps its locks until it commits):
                1. \`ALTER TABLE events DETACH PARTITION events_default;\` (no scan; until step 4, rows that fit no other partition are rejected and the rows of events_default are not seen through events)
                2. \`CREATE TABLE "events_2025" PARTITION OF "events" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\` (no default partition to read now)
                3. \`ALTER TABLE events_default ADD CONSTRAINT events_default_bound CHECK (...);\` with a condition that excludes the bound of every other partition (reads events_default, which nothing uses while it is detached; fails while rows of the new bound remain: move them to the new partition first)
                4. \`ALTER TABLE events ATTACH PARTITION events_default DEFAULT;\` (uses the validated CHECK instead of reading events_default)"
      `);
    });

    it('reports ATTACH PARTITION even when a validated CHECK proves the new bound', () => {
      const check = 'CREATE TABLE "events_2025" ("id" bigint, "created_at" date);\nALTER TABLE "events_2025" ADD CONSTRAINT "b" CHECK ("created_at" >= \'2025-01-01\' AND "created_at" < \'2026-01-01\');';
      const violations = lint('ALTER TABLE "events" ATTACH PARTITION "events_2025" FOR VALUES FROM (\'2025-01-01\') TO (\'2026-01-01\');', [withDefault, check]);
      expect(violations).toHaveLength(1);
      expect(violations[0]?.message).toContain("reads every row of its default partition events_default to check that none belongs to the new bound (the statement fails if one does), even when a validated CHECK proves the attached table's own bound; every read and write of events_default waits");
      expect(violations[0]?.help).toContain('`ALTER TABLE events DETACH PARTITION events_default;`');
    });

    it('reports both scans when the attached table has no CHECK', () => {
      const violations = lint('ALTER TABLE "events" ATTACH PARTITION "events_2024" FOR VALUES FROM (\'2024-01-01\') TO (\'2025-01-01\');', [withDefault, 'CREATE TABLE "events_2024" ("id" bigint, "created_at" date);']);
      expect(violations.map((v) => v.message.split(' reads')[0])).toEqual(['Attaching events_2024 to events', 'Attaching events_2024 to events']);
    });

    it('knows a default partition attached later, and forgets a detached one', () => {
      const sql = 'CREATE TABLE "events_2025" PARTITION OF "events" FOR VALUES FROM (\'2025-01-01\') TO (\'2026-01-01\');';
      const attached = 'CREATE TABLE "events_other" ("id" bigint, "created_at" date);\nALTER TABLE "events" ATTACH PARTITION "events_other" DEFAULT;';
      expect(lint(sql, [tables, attached])).toHaveLength(1);
      expect(lint(sql, [withDefault, 'ALTER TABLE "events" DETACH PARTITION "events_default";'])).toEqual([]);
      expect(lint(sql, [withDefault, 'DROP TABLE "events_default";'])).toEqual([]);
    });

    it('accepts a new partition without a default partition, a default partition created in the same file, and a new default partition', () => {
      const sql = 'CREATE TABLE "events_2025" PARTITION OF "events" FOR VALUES FROM (\'2025-01-01\') TO (\'2026-01-01\');';
      expect(lint(sql)).toEqual([]);
      expect(lint(`${withDefault}\n${sql}`, [])).toEqual([]);
      expect(lint('CREATE TABLE "events_default2" PARTITION OF "events" DEFAULT;', [withDefault])).toEqual([]);
    });
  });
});
