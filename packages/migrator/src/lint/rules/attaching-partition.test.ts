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
});
