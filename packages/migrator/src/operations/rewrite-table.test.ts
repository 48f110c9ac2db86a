import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type TestDatabase } from '@big0290/testing';
import { copy, type BackfillEvent } from '../backfill/index.js';
import { migrate } from '../data-migrations/index.js';
import { lintPaths } from '../lint/index.js';
import { writeOperation } from '../phased/write.js';
import { rewriteTable, type RewriteTableInput } from './rewrite-table.js';
import type { CopyStep, OperationPlan, SqlStep } from './types.js';

let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  db = await createTestDatabase('rewrite');
  dir = await mkdtemp(join(tmpdir(), 'sdk-rewrite-'));
});
afterAll(async () => {
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

type Query = <T = Record<string, unknown>>(sql: string) => Promise<T[]>;
const q: Query = async (sql) => (await db.pool.query(sql)).rows;

async function planFor(input: RewriteTableInput): Promise<OperationPlan> {
  const client = await db.pool.connect();
  try {
    return rewriteTable.plan(await rewriteTable.resolve(client, input));
  } finally {
    client.release();
  }
}

const sqlSteps = (plan: OperationPlan, phase: 'expand' | 'contract') => plan.steps.filter((s): s is SqlStep => s.kind === 'sql' && s.phase === phase);
const copyStepOf = (plan: OperationPlan) => plan.steps.find((s): s is CopyStep => s.kind === 'copy')!;

/** Runs steps as one migration file runs: one transaction, each statement under its lock_timeout. */
async function inTransaction(steps: SqlStep[], before?: (client: pg.PoolClient) => Promise<void>, atEnd?: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await before?.(client);
    for (const step of steps) {
      await client.query(`SET LOCAL lock_timeout = ${step.lockTimeoutMs}`);
      await client.query(step.sql);
    }
    await atEnd?.(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** The table's shape: columns, constraints, indexes, triggers. */
async function shape(table: string): Promise<unknown> {
  return {
    columns: await q(`SELECT attname, format_type(atttypid, atttypmod) AS type, attnotnull, attidentity, pg_get_expr(d.adbin, d.adrelid) AS def FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE attrelid = '${table}'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`),
    constraints: await q(`SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = '${table}'::regclass ORDER BY conname`),
    indexes: await q(`SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS def FROM pg_index WHERE indrelid = '${table}'::regclass ORDER BY 1`),
    triggers: await q(`SELECT tgname FROM pg_trigger WHERE tgrelid = '${table}'::regclass AND NOT tgisinternal ORDER BY 1`),
  };
}

/**
 * A client of the application that keeps a ledger of what it wrote: it owns the keys it was dealt
 * and the rows it inserts, so no other writer touches them, and the ledger says exactly what each
 * of its rows must hold at the end. Every statement must succeed and find its row.
 */
interface Workload {
  table: string;
  /** The row as the ledger keeps it: a select list, `id` first (as an int). */
  columns: string;
  insert(n: number): { sql: string; values: unknown[] };
  update(id: number, n: number): { sql: string; values: unknown[] };
  /** The key can be changed (`id = -id`): not for a GENERATED ALWAYS identity. */
  moves: boolean;
}

function ledgerWriter(url: string, load: Workload, own: Map<number, unknown>, index: number) {
  let running = true;
  let ops = 0;
  const errors: string[] = [];
  const ledger = new Map(own);
  const client = new pg.Client({ connectionString: url, application_name: `writer ${index}` });
  const done = (async () => {
    await client.connect();
    let n = 0;
    while (running) {
      const keys = [...ledger.keys()];
      const id = keys[Math.floor(Math.random() * keys.length)];
      const dice = id === undefined ? 0 : Math.random();
      try {
        if (dice < 0.25) {
          const s = load.insert(index * 1_000_000 + n++);
          const { rows } = await client.query(s.sql, s.values);
          ledger.set(rows[0].id, rows[0]);
        } else if (dice < 0.6 || (!load.moves && dice >= 0.8)) {
          const s = load.update(id!, n++);
          const { rows } = await client.query(s.sql, s.values);
          if (rows.length !== 1) throw new Error(`update of ${id} found ${rows.length} rows`);
          ledger.set(id!, rows[0]);
        } else if (dice < 0.8) {
          const { rowCount } = await client.query(`DELETE FROM ${load.table} WHERE id = $1`, [id]);
          if (rowCount !== 1) throw new Error(`delete of ${id} found ${rowCount} rows`);
          ledger.delete(id!);
        } else {
          const { rows } = await client.query(`UPDATE ${load.table} SET id = -id WHERE id = $1 RETURNING ${load.columns}`, [id]);
          if (rows.length !== 1) throw new Error(`move of ${id} found ${rows.length} rows`);
          ledger.delete(id!);
          ledger.set(rows[0].id, rows[0]);
        }
        ops++;
      } catch (error) {
        errors.push((error as Error).message);
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await client.end();
  })();
  return {
    get ops() {
      return ops;
    },
    async stop() {
      running = false;
      await done;
      return { ops, errors, ledger };
    },
  };
}

/** Writers that share a table's rows out between them (by key), each with its ledger. */
async function startWriters(load: Workload, count: number) {
  const rows = await q<{ id: number }>(`SELECT ${load.columns} FROM ${load.table}`);
  return Array.from({ length: count }, (_, i) => ledgerWriter(db.url, load, new Map(rows.filter((r) => Math.abs(r.id) % count === i).map((r) => [r.id, r])), i));
}

/** Stops the writers; what the table must hold is every ledger put together. */
async function stopWriters(writers: Array<ReturnType<typeof ledgerWriter>>) {
  const results = await Promise.all(writers.map((w) => w.stop()));
  const expected = new Map<number, unknown>();
  for (const r of results) for (const [id, row] of r.ledger) expected.set(id, row);
  return { errors: results.flatMap((r) => r.errors), ops: results.map((r) => r.ops), expected };
}

/** Rows that differ between the table and the ledgers (at most 10 shown). */
async function differences(load: Workload, expected: Map<number, unknown>): Promise<string[]> {
  const actual = new Map((await q<{ id: number }>(`SELECT ${load.columns} FROM ${load.table}`)).map((r) => [r.id, r]));
  const out: string[] = [];
  for (const id of new Set([...actual.keys(), ...expected.keys()])) {
    const a = JSON.stringify(actual.get(id));
    const e = JSON.stringify(expected.get(id));
    if (a !== e) out.push(`${id}: table ${a}, writers ${e}`);
  }
  return out.slice(0, 10);
}

const ITEMS: Workload = {
  table: 'rt_items',
  columns: 'id::int AS id, sku, qty::int AS qty, owner_id::int AS owner_id, note, doubled::int AS doubled',
  insert: (n) => ({ sql: `INSERT INTO rt_items (sku, qty, owner_id, note) VALUES ($1, $2, $3, $4) RETURNING ${ITEMS.columns}`, values: [`W-${n}`, n % 97, (n % 50) + 1, n % 2 ? `w${n}` : null] }),
  update: (id, n) => ({ sql: `UPDATE rt_items SET qty = $2, owner_id = $3, note = $4 WHERE id = $1 RETURNING ${ITEMS.columns}`, values: [id, n % 89, (n % 49) + 1, n % 3 ? `u${n}` : null] }),
  moves: true,
};

describe('rewrite-table', () => {
  it('rebuilds a 20,000-row table with new column types while writers insert, update, delete and move keys through its name: the swapped table holds exactly what they wrote', async () => {
    await q(`CREATE TABLE rt_owners (id int PRIMARY KEY); INSERT INTO rt_owners SELECT generate_series(1, 50);
      CREATE TABLE rt_items (
        id serial PRIMARY KEY,
        sku text NOT NULL,
        qty integer NOT NULL DEFAULT 0 CHECK (qty >= 0),
        owner_id integer REFERENCES rt_owners (id),
        note text,
        doubled integer GENERATED ALWAYS AS (qty * 2) STORED,
        CONSTRAINT rt_items_sku_key UNIQUE (sku));
      CREATE INDEX rt_items_owner_idx ON rt_items (owner_id) WHERE note IS NOT NULL;
      CREATE FUNCTION rt_lower_sku() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.sku := lower(NEW.sku); RETURN NEW; END $$;
      CREATE TRIGGER rt_lower_sku BEFORE INSERT OR UPDATE ON rt_items FOR EACH ROW EXECUTE FUNCTION rt_lower_sku();
      COMMENT ON TABLE rt_items IS 'what we sell';
      ALTER TABLE rt_items SET (fillfactor = 90);
      GRANT SELECT, INSERT ON rt_items TO PUBLIC;
      INSERT INTO rt_items (sku, qty, owner_id, note) SELECT 'SKU-' || g, g % 100, g % 50 + 1, CASE WHEN g % 3 = 0 THEN 'n' || g END FROM generate_series(1, 20000) g;
      ANALYZE rt_items;`);
    const before = (await shape('rt_items')) as { constraints: unknown; triggers: unknown };
    const writers = await startWriters(ITEMS, 4);
    let opsWhileCopying = 0;
    let opsAtSwap = 0;
    let stopped: Awaited<ReturnType<typeof stopWriters>> | undefined;
    try {
      await new Promise((r) => setTimeout(r, 200));
      const plan = await planFor({ table: 'rt_items', columnTypes: { id: 'bigint', owner_id: 'bigint' } });
      expect(plan.steps.map((s) => s.phase)).toEqual([...sqlSteps(plan, 'expand').map(() => 'expand'), 'backfill', ...sqlSteps(plan, 'contract').map(() => 'contract')]);
      await inTransaction(sqlSteps(plan, 'expand'));

      const step = copyStepOf(plan);
      const events: BackfillEvent[] = [];
      const opsBefore = writers.reduce((n, w) => n + w.ops, 0);
      const copied = await copy(db.url, { table: step.table, into: step.into, columns: step.columns, select: step.select, name: 'rt-items', firstBatchRows: 300, maxRowsPerBatch: 600, onEvent: (e) => events.push(e) });
      opsWhileCopying = writers.reduce((n, w) => n + w.ops, 0) - opsBefore;
      expect(copied.batches).toBeGreaterThan(20);

      // The swap, and inside its transaction (both tables still locked, no write can land) the old
      // table compared with the new one: every row and value the same.
      let atSwap: { onlyOld: number; onlyNew: number; rows: number } | undefined;
      await inTransaction(sqlSteps(plan, 'contract'), undefined, async (client) => {
        const compared = await client.query(`SELECT
            (SELECT count(*)::int FROM (SELECT id::bigint, sku, qty, owner_id::bigint, note, doubled FROM rt_items_sdk_old EXCEPT ALL SELECT id, sku, qty, owner_id, note, doubled FROM rt_items) d) AS "onlyOld",
            (SELECT count(*)::int FROM (SELECT id, sku, qty, owner_id, note, doubled FROM rt_items EXCEPT ALL SELECT id::bigint, sku, qty, owner_id::bigint, note, doubled FROM rt_items_sdk_old) d) AS "onlyNew",
            (SELECT count(*)::int FROM rt_items) AS rows`);
        atSwap = compared.rows[0];
      });
      opsAtSwap = writers.reduce((n, w) => n + w.ops, 0);
      expect(atSwap!.rows).toBeGreaterThan(15_000);
      expect(atSwap).toMatchObject({ onlyOld: 0, onlyNew: 0 });
      // Writers go on through the name, into the new table: inserts take ids from the moved sequence.
      await new Promise((r) => setTimeout(r, 400));
    } finally {
      stopped = await stopWriters(writers);
    }
    const { errors, ops, expected } = stopped!;
    expect(errors).toEqual([]);
    expect(opsWhileCopying).toBeGreaterThan(100);
    expect(ops.reduce((a, b) => a + b, 0) - opsAtSwap).toBeGreaterThan(20);
    expect(await differences(ITEMS, expected)).toEqual([]);
    expect(await q(`SELECT count(*)::int AS n FROM rt_items WHERE doubled <> qty * 2`)).toEqual([{ n: 0 }]);
    // The old table no longer holds the owners: an owner whose items are gone can be deleted.
    await q('DELETE FROM rt_items WHERE owner_id = 50; DELETE FROM rt_owners WHERE id = 50');

    // The new table is the old one in its new shape: same names, the trigger, grants, comment, storage, sequence.
    const after = (await shape('rt_items')) as { columns: Array<{ attname: string; type: string; def: string | null }>; constraints: unknown; indexes: unknown; triggers: unknown };
    expect(after.columns.map((c) => [c.attname, c.type])).toEqual([
      ['id', 'bigint'],
      ['sku', 'text'],
      ['qty', 'integer'],
      ['owner_id', 'bigint'],
      ['note', 'text'],
      ['doubled', 'integer'],
    ]);
    expect(after.columns[0]!.def).toBe("nextval('rt_items_id_seq'::regclass)");
    expect(after.constraints).toEqual(before.constraints);
    expect(after.indexes).toEqual([
      { name: 'rt_items_owner_idx', def: 'CREATE INDEX rt_items_owner_idx ON public.rt_items USING btree (owner_id) WHERE (note IS NOT NULL)' },
      { name: 'rt_items_pkey', def: 'CREATE UNIQUE INDEX rt_items_pkey ON public.rt_items USING btree (id)' },
      { name: 'rt_items_sku_key', def: 'CREATE UNIQUE INDEX rt_items_sku_key ON public.rt_items USING btree (sku)' },
    ]);
    expect(after.triggers).toEqual(before.triggers);
    expect(await q(`SELECT obj_description('rt_items'::regclass, 'pg_class') AS comment, reloptions, has_table_privilege('public', 'rt_items', 'INSERT') AS public_insert FROM pg_class WHERE oid = 'rt_items'::regclass`)).toEqual([
      { comment: 'what we sell', reloptions: ['fillfactor=90'], public_insert: true },
    ]);
    expect(await q(`SELECT pg_get_serial_sequence('rt_items', 'id') AS seq, format_type(seqtypid, NULL) AS type FROM pg_sequence WHERE seqrelid = 'rt_items_id_seq'::regclass`)).toEqual([{ seq: 'public.rt_items_id_seq', type: 'bigint' }]);
    // The old table is kept, under its retired names; nothing of the operation is left behind.
    expect(await q(`SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = 'rt_items_sdk_old'::regclass ORDER BY 1`)).toEqual([
      { name: 'rt_items_owner_idx_sdk_old' },
      { name: 'rt_items_pkey_sdk_old' },
      { name: 'rt_items_sku_key_sdk_old' },
    ]);
    expect(await q(`SELECT count(*)::int AS n FROM pg_trigger WHERE tgname LIKE 'sdk_rewrite%'`)).toEqual([{ n: 0 }]);
    expect(await q(`SELECT to_regclass('rt_items_sdk_new') AS t, to_regproc('sdk_rewrite_rt_items_capture') AS f`)).toEqual([{ t: null, f: null }]);
  }, 120_000);

  it('partitions a table with an identity key through written migrations and a data migration: rows land in the DEFAULT partition, the identity goes on', async () => {
    const other = await createTestDatabase('rewrite_part');
    try {
      const folder = await writeMigrationsFolder([
        {
          tag: '0000_init',
          sql: `CREATE TABLE rt_events (id integer GENERATED ALWAYS AS IDENTITY, created_at timestamptz NOT NULL DEFAULT now(), kind text NOT NULL, payload jsonb, PRIMARY KEY (id, created_at));
--> statement-breakpoint
CREATE INDEX rt_events_kind_idx ON rt_events (kind);
--> statement-breakpoint
INSERT INTO rt_events (created_at, kind, payload) SELECT now() - g * interval '1 minute', 'k' || (g % 7), jsonb_build_object('g', g) FROM generate_series(1, 6000) g;`,
        },
      ]);
      const data = join(dir, 'events-data');
      await migrate({ databaseUrl: other.url, migrationsFolder: folder });
      const client = new pg.Client({ connectionString: other.url });
      await client.connect();
      let plan: OperationPlan;
      try {
        plan = rewriteTable.plan(await rewriteTable.resolve(client, { table: 'rt_events', partitionBy: 'RANGE (created_at)', columnTypes: { id: 'bigint' } }));
      } finally {
        await client.end();
      }
      await writeOperation(plan, { migrationsFolder: folder, dataMigrationsFolder: data, name: 'events', command: 'test rewrite-table' });
      const lint = await lintPaths({ paths: [folder] });
      expect(lint.report.files.flatMap((f) => f.violations.filter((v) => v.severity === 'error').map((v) => `${f.path}: ${v.rule}: ${v.message}`))).toEqual([]);

      const events: Workload = {
        table: 'rt_events',
        columns: 'id::int AS id, kind, payload',
        insert: (n) => ({ sql: `INSERT INTO rt_events (kind, payload) VALUES ($1, $2) RETURNING ${events.columns}`, values: [`w${n % 5}`, { n }] }),
        update: (id, n) => ({ sql: `UPDATE rt_events SET kind = $2, payload = $3 WHERE id = $1 RETURNING ${events.columns}`, values: [id, `u${n % 5}`, { u: n }] }),
        moves: false,
      };
      const check = new pg.Pool({ connectionString: other.url, max: 2 });
      const cq: Query = async (sql) => (await check.query(sql)).rows;
      try {
        const initial = await cq<{ id: number }>(`SELECT ${events.columns} FROM rt_events`);
        const writers = Array.from({ length: 3 }, (_, i) => ledgerWriter(other.url, events, new Map(initial.filter((r) => r.id % 3 === i).map((r) => [r.id, r])), i));
        let result: Awaited<ReturnType<typeof migrate>> | undefined;
        let stopped: Awaited<ReturnType<typeof stopWriters>> | undefined;
        try {
          await new Promise((r) => setTimeout(r, 100));
          result = await migrate({ databaseUrl: other.url, migrationsFolder: folder, dataMigrationsFolder: data });
          await new Promise((r) => setTimeout(r, 300));
        } finally {
          stopped = await stopWriters(writers);
        }
        expect(result!.dataMigrations.map((d) => d.name)).toEqual(['0001_events_backfill']);
        expect(stopped!.errors).toEqual([]);
        const actual = new Map((await cq<{ id: number }>(`SELECT ${events.columns} FROM rt_events`)).map((r) => [r.id, JSON.stringify(r)]));
        const wrong = [...new Set([...actual.keys(), ...stopped!.expected.keys()])].filter((id) => actual.get(id) !== JSON.stringify(stopped!.expected.get(id)));
        expect(wrong.slice(0, 10)).toEqual([]);
        expect(await cq(`SELECT c.relkind, pg_get_partkeydef(c.oid) AS key, (SELECT count(*)::int FROM ONLY rt_events_default) AS in_default, (SELECT count(*)::int FROM rt_events) AS total FROM pg_class c WHERE c.oid = 'rt_events'::regclass`)).toEqual([
          { relkind: 'p', key: 'RANGE (created_at)', in_default: actual.size, total: actual.size },
        ]);
        expect(await cq(`SELECT attidentity, format_type(atttypid, atttypmod) AS type, pg_get_serial_sequence('rt_events', 'id') AS seq FROM pg_attribute WHERE attrelid = 'rt_events'::regclass AND attname = 'id'`)).toEqual([
          { attidentity: 'a', type: 'bigint', seq: 'public.rt_events_id_seq' },
        ]);
        const [old] = await cq<{ max: number }>('SELECT max(id)::int AS max FROM rt_events_sdk_old');
        const [inserted] = await cq<{ id: number }>("INSERT INTO rt_events (kind) VALUES ('after') RETURNING id::int AS id");
        expect(inserted!.id).toBeGreaterThan(Math.max(old!.max, ...actual.keys()));
        expect(await cq(`SELECT conname FROM pg_constraint WHERE conrelid = 'rt_events'::regclass ORDER BY 1`)).toEqual([{ conname: 'rt_events_pkey' }]);
        expect(await cq(`SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = 'rt_events'::regclass ORDER BY 1`)).toEqual([{ name: 'rt_events_kind_idx' }, { name: 'rt_events_pkey' }]);
        expect(await cq(`SELECT name, into_table, status FROM sdk_migrator.backfills`)).toEqual([{ name: '0001_events_backfill', into_table: 'public.rt_events_sdk_new', status: 'finished' }]);
      } finally {
        await check.end();
      }
    } finally {
      await other.drop();
    }
  }, 120_000);

  it('mirrors inserts, updates, deletes and TRUNCATE once expanded, and its rollback leaves the table as it was', async () => {
    await q(`CREATE TABLE rt_undo (id int PRIMARY KEY, v text NOT NULL DEFAULT 'x', n int);
      CREATE INDEX rt_undo_n_idx ON rt_undo (n);
      INSERT INTO rt_undo SELECT g, 'v' || g, g FROM generate_series(1, 500) g;`);
    const before = await shape('rt_undo');
    const plan = await planFor({ table: 'rt_undo', columnTypes: { n: 'numeric(12,2)' } });
    await inTransaction(sqlSteps(plan, 'expand'));
    await q(`INSERT INTO rt_undo (id, n) VALUES (1001, 7); UPDATE rt_undo SET v = 'changed', id = 1002 WHERE id = 1001; INSERT INTO rt_undo VALUES (1003, 'gone', 1); DELETE FROM rt_undo WHERE id = 1003; UPDATE rt_undo SET n = 5 WHERE id = 3`);
    // Row 3 is not copied yet: its update put it there.
    expect(await q(`SELECT id, v, n FROM rt_undo_sdk_new ORDER BY id`)).toEqual([
      { id: 3, v: 'v3', n: '5.00' },
      { id: 1002, v: 'changed', n: '7.00' },
    ]);
    await q('TRUNCATE rt_undo');
    expect(await q(`SELECT count(*)::int AS n FROM rt_undo_sdk_new`)).toEqual([{ n: 0 }]);
    await q(`INSERT INTO rt_undo SELECT g, 'v' || g, g FROM generate_series(1, 500) g`);
    for (const statement of plan.rollback) await q(statement);
    expect(await shape('rt_undo')).toEqual(before);
    expect(await q(`SELECT to_regclass('rt_undo_sdk_new') AS t, to_regproc('sdk_rewrite_rt_undo_capture') AS f`)).toEqual([{ t: null, f: null }]);
    // Planned again from scratch, it expands again.
    await inTransaction(sqlSteps(await planFor({ table: 'rt_undo' }), 'expand'));
  });

  it('refuses, before anything runs, a table it cannot swap safely, saying what to do', async () => {
    await q(`CREATE TABLE rt_nokey (a int, b text);
      CREATE TABLE rt_parent (id int PRIMARY KEY); CREATE TABLE rt_child (id int PRIMARY KEY, parent_id int REFERENCES rt_parent (id));
      CREATE TABLE rt_viewed (id int PRIMARY KEY, v text); CREATE VIEW rt_view AS SELECT v FROM rt_viewed;
      CREATE TABLE rt_left (id int PRIMARY KEY); CREATE TABLE rt_left_sdk_old (id int PRIMARY KEY);
      CREATE TABLE rt_started (id int PRIMARY KEY); CREATE TABLE rt_started_sdk_new (id int PRIMARY KEY);
      CREATE TABLE rt_flat (id int PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), flag boolean);`);
    const refused = (input: RewriteTableInput) => planFor(input).catch((e: unknown) => e as { code: string; message: string; hint: string });
    expect(await refused({ table: 'rt_nokey' })).toMatchObject({ code: 'E_OPERATION', message: expect.stringContaining('public.rt_nokey has no primary key'), hint: expect.stringContaining('add a primary key') });
    expect(await refused({ table: 'rt_parent' })).toMatchObject({ code: 'E_OPERATION', message: expect.stringContaining('foreign key rt_child_parent_id_fkey of rt_child'), hint: expect.stringContaining('drop them') });
    expect(await refused({ table: 'rt_viewed' })).toMatchObject({ message: expect.stringContaining('view rt_view') });
    expect(await refused({ table: 'rt_left' })).toMatchObject({ message: expect.stringContaining('public.rt_left_sdk_old exists already'), hint: expect.stringContaining('drop it first (drop-table)') });
    expect(await refused({ table: 'rt_started' })).toMatchObject({ message: expect.stringContaining('public.rt_started_sdk_new exists already'), hint: expect.stringContaining('roll it back') });
    expect(await refused({ table: 'rt_flat', partitionBy: 'RANGE (created_at)' })).toMatchObject({
      code: 'E_OPERATION',
      message: expect.stringContaining('its primary key rt_flat_pkey (id) does not include created_at'),
      hint: expect.stringContaining('add created_at to the primary key first'),
    });
    expect(await refused({ table: 'rt_flat', partitionBy: 'RANGE (nope)' })).toMatchObject({ code: 'E_OPERATION', message: expect.stringContaining('column "nope" named in partition key does not exist') });
    expect(await refused({ table: 'rt_flat', columnTypes: { flag: 'date' } })).toMatchObject({
      code: 'E_OPERATION',
      message: 'the new shape of public.rt_flat does not work: cannot cast type boolean to date',
      hint: expect.stringContaining('pick types the values convert to'),
    });
    expect(await refused({ table: 'rt_flat', columnTypes: { missing: 'int' } })).toMatchObject({ code: 'E_OPERATION', message: expect.stringContaining('has no column missing') });
    // Nothing was created by any of them.
    expect(await q(`SELECT relname FROM pg_class WHERE relname ~ '^rt_(nokey|parent|viewed|left|flat).*sdk_new$' UNION ALL SELECT proname FROM pg_proc WHERE proname ~ '^sdk_rewrite_rt_(nokey|parent|viewed|left|flat)'`)).toEqual([]);
  });
});
