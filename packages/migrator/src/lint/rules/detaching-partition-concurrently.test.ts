import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { detachingPartitionConcurrently as rule } from './detaching-partition-concurrently.js';

beforeAll(loadParser);

const lint = (sql: string) => lintSql(sql, { rules: [rule] });
const EVENTS = [
  'CREATE TABLE "events" ("id" bigint NOT NULL, "at" date NOT NULL) PARTITION BY RANGE ("at");',
  'CREATE TABLE "events_2024" PARTITION OF "events" FOR VALUES FROM (\'2024-01-01\') TO (\'2025-01-01\');',
];

describe('detaching-partition-concurrently', () => {
  it('reports DETACH ... CONCURRENTLY on a table with a default partition, which PostgreSQL refuses', () => {
    const sql = [...EVENTS, 'CREATE TABLE "events_default" PARTITION OF "events" DEFAULT;', 'ALTER TABLE "events" DETACH PARTITION "events_2024" CONCURRENTLY;'].join('\n');
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:4:1  error  detaching-partition-concurrently
        PostgreSQL refuses DETACH PARTITION ... CONCURRENTLY while events has a default partition (events_default): "cannot detach partitions concurrently when a default partition exists", so the migration fails at this statement.
        4 | ALTER TABLE "events" DETACH PARTITION "events_2024" CONCURRENTLY;
          | ^
        help: Detach it without CONCURRENTLY: \`ALTER TABLE events DETACH PARTITION events_2024;\`. It scans nothing, but takes ACCESS EXCLUSIVE lock on events and events_2024 (blocks every read and write) for that moment, so it waits behind the longest transaction on events: \`sdk db migrate\` runs it with a short lock_timeout and retries, instead of letting it queue every query behind it."
    `);
  });

  it('reports detaching the default partition itself concurrently', () => {
    const sql = [...EVENTS, 'CREATE TABLE "events_default" PARTITION OF "events" DEFAULT;', 'ALTER TABLE "events" DETACH PARTITION "events_default" CONCURRENTLY;'].join('\n');
    expect(lint(sql).map((v) => v.rule)).toEqual(['detaching-partition-concurrently']);
  });

  it('accepts DETACH ... CONCURRENTLY without a default partition, or once it was detached or dropped', () => {
    expect(lint([...EVENTS, 'ALTER TABLE "events" DETACH PARTITION "events_2024" CONCURRENTLY;'].join('\n'))).toEqual([]);
    const detached = [...EVENTS, 'CREATE TABLE "events_default" PARTITION OF "events" DEFAULT;', 'ALTER TABLE "events" DETACH PARTITION "events_default";', 'ALTER TABLE "events" DETACH PARTITION "events_2024" CONCURRENTLY;'];
    expect(lint(detached.join('\n'))).toEqual([]);
    const dropped = [...EVENTS, 'CREATE TABLE "events_default" PARTITION OF "events" DEFAULT;', 'DROP TABLE "events_default";', 'ALTER TABLE "events" DETACH PARTITION "events_2024" CONCURRENTLY;'];
    expect(lint(dropped.join('\n'))).toEqual([]);
  });

  it('accepts DETACH without CONCURRENTLY, and says nothing of a parent whose partitions it does not know', () => {
    expect(lint([...EVENTS, 'CREATE TABLE "events_default" PARTITION OF "events" DEFAULT;', 'ALTER TABLE "events" DETACH PARTITION "events_2024";'].join('\n'))).toEqual([]);
    expect(lint('ALTER TABLE "logs" DETACH PARTITION "logs_2020" CONCURRENTLY;')).toEqual([]);
  });
});
