import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type TestDatabase } from '@big0290/testing';
import { migrate } from '../data-migrations/index.js';
import { lintPaths } from '../lint/index.js';
import {
  addCheck,
  addForeignKey,
  addIndex,
  addRequiredColumn,
  addUnique,
  changeColumnType,
  dropColumn,
  dropTable,
  renameColumn,
  rewriteTable,
  type Operation,
} from '../operations/index.js';
import { rollbackOperation } from './rollback.js';
import { writeOperation } from './write.js';

/**
 * One harness drives every operation through its whole life on a real server: expand, roll back,
 * expand again (with its backfill), contract. Application writers run all along: the old
 * version's from the start until the contract (it is gone once the new version is deployed), the
 * new version's from the end of the expand on. Not one of their statements may fail, and the
 * schema and data are checked after each step.
 */
interface Case {
  name: string;
  /** Creates the table(s) and rows (applied as migration 0000). */
  setup: string;
  operation: Operation<any, any>;
  input: Record<string, unknown>;
  /** A write of the old application version; `$1` is a random integer 1..5000. */
  oldWrite: string;
  /** A write of the new version (after the expand), when it differs. */
  newWrite?: string;
  /** Checks after the expand and its backfill. */
  expanded(q: Query): Promise<void>;
  /** Checks after the contract. */
  contracted(q: Query): Promise<void>;
}

type Query = <T = Record<string, unknown>>(sql: string) => Promise<T[]>;

const ROWS = 3_000;
const items = (extra = '') => `CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, amount integer NOT NULL DEFAULT 0, owner_id integer${extra});
--> statement-breakpoint
INSERT INTO items (name, amount, owner_id) SELECT 'item ' || g, g % 100, g % 50 + 1 FROM generate_series(1, ${ROWS}) g;`;
const owners = `CREATE TABLE owners (id integer PRIMARY KEY, email text);
--> statement-breakpoint
INSERT INTO owners SELECT g, 'o' || g || '@x.test' FROM generate_series(1, 100) g;
--> statement-breakpoint
`;

/** The table's shape: columns (name, type, not null, default), constraints, indexes and triggers. */
async function shape(q: Query, table = 'items'): Promise<unknown> {
  return {
    columns: await q(`SELECT attname, format_type(atttypid, atttypmod) AS type, attnotnull, pg_get_expr(d.adbin, d.adrelid) AS def FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE attrelid = '${table}'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`),
    constraints: await q(`SELECT conname, pg_get_constraintdef(oid) AS def, convalidated FROM pg_constraint WHERE conrelid = '${table}'::regclass ORDER BY conname`),
    indexes: await q(`SELECT indexrelid::regclass::text AS name, indisvalid FROM pg_index WHERE indrelid = '${table}'::regclass ORDER BY 1`),
    triggers: await q(`SELECT tgname FROM pg_trigger WHERE tgrelid = '${table}'::regclass AND NOT tgisinternal ORDER BY 1`),
  };
}

const CASES: Case[] = [
  {
    name: 'add-required-column',
    setup: items(),
    operation: addRequiredColumn,
    input: { table: 'public.items', column: 'status', type: 'varchar(20)', default: "'new'", backfill: "'legacy'" },
    oldWrite: `INSERT INTO items (name) VALUES ('old ' || $1::int)`,
    newWrite: `INSERT INTO items (name, status) VALUES ('new ' || $1::int, 'fresh')`,
    async expanded(q) {
      expect(await q(`SELECT count(*)::int AS n FROM items WHERE status IS NULL`)).toEqual([{ n: 0 }]);
      expect(await q(`SELECT count(*)::int AS n FROM items WHERE id <= ${ROWS} AND status <> 'legacy'`)).toEqual([{ n: 0 }]);
    },
    async contracted(q) {
      expect(await q(`SELECT attnotnull FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'status'`)).toEqual([{ attnotnull: true }]);
      expect(await q(`SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = 'items'::regclass AND contype = 'c'`)).toEqual([{ n: 0 }]);
    },
  },
  {
    name: 'add-required-column without a default (a catch-up pass fills what the old version wrote after the backfill)',
    setup: items(),
    operation: addRequiredColumn,
    input: { table: 'items', column: 'region', type: 'text', backfill: "'eu-' || (id % 3)" },
    oldWrite: `INSERT INTO items (name) VALUES ('old ' || $1::int)`,
    newWrite: `INSERT INTO items (name, region) VALUES ('new ' || $1::int, 'us-1')`,
    async expanded(q) {
      expect(await q(`SELECT count(*)::int AS n FROM items WHERE id <= ${ROWS} AND region IS DISTINCT FROM 'eu-' || (id % 3)`)).toEqual([{ n: 0 }]);
    },
    async contracted(q) {
      expect(await q(`SELECT count(*)::int AS n FROM items WHERE region IS NULL`)).toEqual([{ n: 0 }]);
      expect(await q(`SELECT attnotnull FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'region'`)).toEqual([{ attnotnull: true }]);
    },
  },
  {
    name: 'rename-column',
    setup: items(),
    operation: renameColumn,
    input: { table: 'items', from: 'name', to: 'title' },
    oldWrite: `UPDATE items SET name = 'old ' || $1::int WHERE id = $1::int`,
    newWrite: `UPDATE items SET title = 'new ' || $1::int WHERE id = $1::int + 1`,
    async expanded(q) {
      expect(await q(`SELECT count(*)::int AS n FROM items WHERE title IS DISTINCT FROM name`)).toEqual([{ n: 0 }]);
      // A write through either name is visible through the other at once.
      await q(`UPDATE items SET name = 'via old' WHERE id = 7`);
      expect(await q(`SELECT title FROM items WHERE id = 7`)).toEqual([{ title: 'via old' }]);
      await q(`UPDATE items SET title = 'via new' WHERE id = 8`);
      expect(await q(`SELECT name FROM items WHERE id = 8`)).toEqual([{ name: 'via new' }]);
      await q(`INSERT INTO items (id, title) VALUES (100001, 'inserted new')`);
      expect(await q(`SELECT name FROM items WHERE id = 100001`)).toEqual([{ name: 'inserted new' }]);
    },
    async contracted(q) {
      expect(await q(`SELECT attname FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname IN ('name', 'title') AND NOT attisdropped`)).toEqual([{ attname: 'title' }]);
      expect(await q(`SELECT attnotnull FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'title'`)).toEqual([{ attnotnull: true }]);
      expect(await q(`SELECT count(*)::int AS n FROM items WHERE title IS NULL`)).toEqual([{ n: 0 }]);
    },
  },
  {
    name: 'change-column-type (with the old default moved into the trigger and back)',
    setup: items(),
    operation: changeColumnType,
    input: { table: 'items', column: 'amount', type: 'bigint' },
    oldWrite: `INSERT INTO items (name) VALUES ('old ' || $1::int)`,
    newWrite: `UPDATE items SET amount = $1::int * 3 WHERE id = $1::int`,
    async expanded(q) {
      expect(await q(`SELECT count(*)::int AS n FROM items WHERE amount_sdk_new IS DISTINCT FROM amount::bigint`)).toEqual([{ n: 0 }]);
    },
    async contracted(q) {
      expect(await q(`SELECT format_type(atttypid, atttypmod) AS type, attnotnull FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'amount'`)).toEqual([{ type: 'bigint', attnotnull: true }]);
      expect(await q(`SELECT pg_get_expr(adbin, adrelid) AS def FROM pg_attrdef WHERE adrelid = 'items'::regclass AND adnum = (SELECT attnum FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'amount')`)).toEqual([{ def: '(0)::bigint' }]);
      expect(await q(`SELECT count(*)::int AS n FROM items WHERE id = 5 AND amount = 5`)).toEqual([{ n: 1 }]);
    },
  },
  {
    name: 'add-index',
    setup: items(),
    operation: addIndex,
    input: { table: 'items', columns: 'owner_id, amount' },
    oldWrite: `UPDATE items SET amount = amount + 1 WHERE id = $1::int`,
    async expanded(q) {
      expect(await q(`SELECT indexrelid::regclass::text AS name, indisvalid FROM pg_index WHERE indrelid = 'items'::regclass AND NOT indisprimary`)).toEqual([{ name: 'items_owner_id_amount_idx', indisvalid: true }]);
    },
    async contracted(q) {
      expect(await q(`SELECT count(*)::int AS n FROM pg_index WHERE indrelid = 'items'::regclass AND indisvalid AND NOT indisprimary`)).toEqual([{ n: 1 }]);
    },
  },
  {
    name: 'add-foreign-key',
    setup: owners + items(),
    operation: addForeignKey,
    input: { table: 'items', columns: 'owner_id', references: 'owners', onDelete: 'set null' },
    oldWrite: `INSERT INTO items (name, owner_id) VALUES ('old', $1::int % 100 + 1)`,
    async expanded(q) {
      expect(await q(`SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'items'::regclass AND contype = 'f'`)).toEqual([{ conname: 'items_owner_id_fkey', convalidated: false }]);
    },
    async contracted(q) {
      expect(await q(`SELECT pg_get_constraintdef(oid) AS def, convalidated FROM pg_constraint WHERE conrelid = 'items'::regclass AND contype = 'f'`)).toEqual([
        { def: 'FOREIGN KEY (owner_id) REFERENCES owners(id) ON DELETE SET NULL', convalidated: true },
      ]);
    },
  },
  {
    name: 'add-check',
    setup: items(),
    operation: addCheck,
    input: { table: 'items', check: 'amount >= 0', name: 'items_amount_positive' },
    oldWrite: `UPDATE items SET amount = $1::int WHERE id = $1::int`,
    async expanded(q) {
      expect(await q(`SELECT convalidated FROM pg_constraint WHERE conname = 'items_amount_positive'`)).toEqual([{ convalidated: false }]);
    },
    async contracted(q) {
      expect(await q(`SELECT convalidated FROM pg_constraint WHERE conname = 'items_amount_positive'`)).toEqual([{ convalidated: true }]);
    },
  },
  {
    name: 'add-unique',
    setup: items(),
    operation: addUnique,
    input: { table: 'items', columns: 'name' },
    oldWrite: `UPDATE items SET amount = amount + 1 WHERE id = $1::int`,
    async expanded(q) {
      expect(await q(`SELECT indexrelid::regclass::text AS name, indisunique, indisvalid FROM pg_index WHERE indrelid = 'items'::regclass AND NOT indisprimary`)).toEqual([
        { name: 'items_name_key_sdk_idx', indisunique: true, indisvalid: true },
      ]);
    },
    async contracted(q) {
      expect(await q(`SELECT conname, contype FROM pg_constraint WHERE conrelid = 'items'::regclass AND contype = 'u'`)).toEqual([{ conname: 'items_name_key', contype: 'u' }]);
    },
  },
  {
    name: 'rewrite-table (a key and a column widened to bigint in a new table, copied, swapped)',
    setup: items(),
    operation: rewriteTable,
    input: { table: 'items', columnTypes: { id: 'bigint', amount: 'bigint' } },
    oldWrite: `WITH n AS (INSERT INTO items (name, amount) VALUES ('old ' || $1::int, $1::int) RETURNING id) UPDATE items SET amount = amount + 1 WHERE id = $1::int`,
    newWrite: `DELETE FROM items WHERE id = $1::int + 2`,
    async expanded(q) {
      expect(await q(`SELECT (SELECT count(*) FROM items) = (SELECT count(*) FROM items_sdk_new) AS same`)).toEqual([{ same: true }]);
    },
    async contracted(q) {
      expect(await q(`SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname IN ('id', 'amount') ORDER BY attnum`)).toEqual([
        { attname: 'id', type: 'bigint' },
        { attname: 'amount', type: 'bigint' },
      ]);
      // Every row of the new table was in the old one at the swap, with the same values (the new
      // version's writer only deletes, and goes on after the swap: rows may be gone, never changed).
      expect(await q(`SELECT count(*)::int AS n FROM items n JOIN items_sdk_old o ON o.id = n.id WHERE (o.name, o.amount::bigint, o.owner_id) IS DISTINCT FROM (n.name, n.amount, n.owner_id)`)).toEqual([{ n: 0 }]);
      expect(await q(`SELECT count(*)::int AS n FROM items n WHERE NOT EXISTS (SELECT 1 FROM items_sdk_old o WHERE o.id = n.id)`)).toEqual([{ n: 0 }]);
      // The sequence goes on: a new row gets a fresh id.
      expect(await q(`INSERT INTO items (name) VALUES ('after the swap') RETURNING id > ${ROWS} AS fresh`)).toEqual([{ fresh: true }]);
    },
  },
  {
    name: 'drop-column',
    setup: items(),
    operation: dropColumn,
    input: { table: 'items', column: 'owner_id' },
    oldWrite: `UPDATE items SET owner_id = $1::int WHERE id = $1::int`,
    newWrite: `UPDATE items SET amount = amount + 1 WHERE id = $1::int`,
    async expanded(q) {
      expect(await q(`SELECT count(*)::int AS n FROM items WHERE owner_id IS NOT NULL`)).not.toEqual([{ n: 0 }]);
    },
    async contracted(q) {
      expect(await q(`SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'owner_id' AND NOT attisdropped`)).toEqual([{ n: 0 }]);
    },
  },
  {
    name: 'drop-table',
    setup: `CREATE TABLE legacy (id integer PRIMARY KEY);\n--> statement-breakpoint\n${items()}`,
    operation: dropTable,
    input: { table: 'legacy' },
    oldWrite: `INSERT INTO legacy VALUES ($1::int) ON CONFLICT DO NOTHING`,
    newWrite: `UPDATE items SET amount = amount + 1 WHERE id = $1::int`,
    async expanded(q) {
      expect(await q(`SELECT to_regclass('legacy') IS NOT NULL AS ok`)).toEqual([{ ok: true }]);
    },
    async contracted(q) {
      expect(await q(`SELECT to_regclass('legacy') IS NULL AS ok`)).toEqual([{ ok: true }]);
    },
  },
];

/** Runs `sql` in a loop on its own connection until stopped, counting successes and keeping every error. */
function writer(url: string, sql: string) {
  let running = true;
  const errors: string[] = [];
  let ok = 0;
  const done = (async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      while (running) {
        try {
          await client.query(sql, [1 + Math.floor(Math.random() * 5000)]);
          ok++;
        } catch (error) {
          errors.push((error as Error).message);
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    } finally {
      await client.end();
    }
  })();
  let result: Promise<{ ok: number; errors: string[] }> | undefined;
  return {
    stop() {
      running = false;
      result ??= done.then(() => ({ ok, errors }));
      return result;
    },
  };
}

let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sdk-ops-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(CASES)('$name, through expand, rollback, expand again, backfill and contract', (c) => {
  beforeAll(async () => {
    db = await createTestDatabase('ops');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('keeps both application versions working, and leaves the schema and data checked after each step', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const q: Query = async (sql) => (await client.query(sql)).rows;
    const writers: Array<ReturnType<typeof writer>> = [];
    try {
      const folder = await writeMigrationsFolder([{ tag: '0000_init', sql: c.setup }]);
      const data = join(folder, '..', `${folder.split('/').at(-1)}-data`);
      await migrate({ databaseUrl: db.url, migrationsFolder: folder });
      const before = await shape(q);
      const plan = c.operation.plan(await c.operation.resolve(client, c.input));
      const written = await writeOperation(plan, { migrationsFolder: folder, dataMigrationsFolder: data, name: 'op', command: `test ${c.name}` });
      expect(written.paths.length).toBeGreaterThan(0);
      const hasExpand = plan.steps.some((s) => s.phase !== 'contract');

      // Every file the operation writes passes the linter without an error.
      const lint = await lintPaths({ paths: [folder] });
      expect(lint.report.files.flatMap((f) => f.violations.filter((v) => v.severity === 'error').map((v) => `${f.path}: ${v.rule}: ${v.message}`))).toEqual([]);

      const old = writer(db.url, c.oldWrite);
      writers.push(old);
      await migrate({ databaseUrl: db.url, migrationsFolder: folder, dataMigrationsFolder: data, phase: 'expand' });
      // Roll back, and the table is as it was.
      const rolledBack = await rollbackOperation({ databaseUrl: db.url, migrationsFolder: folder, name: 'op' });
      expect(rolledBack.undone.length > 0).toBe(hasExpand);
      expect(await shape(q)).toEqual(before);
      // Expand again: expand steps and the backfill.
      const expand = await migrate({ databaseUrl: db.url, migrationsFolder: folder, dataMigrationsFolder: data, phase: 'expand' });
      if (plan.steps.some((s) => s.phase === 'contract')) expect(expand.stopped).toMatchObject({ reason: 'phase' });
      const fresh = c.newWrite ? writer(db.url, c.newWrite) : undefined;
      if (fresh) writers.push(fresh);
      await new Promise((r) => setTimeout(r, 100));
      await c.expanded(q);
      // The deploy: the old version stops, then the contract.
      const oldResult = await old.stop();
      await migrate({ databaseUrl: db.url, migrationsFolder: folder, dataMigrationsFolder: data });
      const freshResult = await fresh?.stop();
      await c.contracted(q);
      expect(oldResult.errors).toEqual([]);
      expect(freshResult?.errors ?? []).toEqual([]);
      expect(oldResult.ok).toBeGreaterThan(0);
    } finally {
      for (const w of writers) await w.stop();
      await client.end();
    }
  });
});
