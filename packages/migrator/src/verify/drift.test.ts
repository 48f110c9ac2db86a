import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@big0290/testing';
import { migrate } from '../data-migrations/index.js';
import { addRequiredColumn, renameColumn } from '../operations/index.js';
import { writeOperation, type Snapshot } from '../phased/index.js';
import { schemaDrift } from './index.js';

/**
 * The live schema against drizzle-kit's snapshot, with the real drizzle-kit and a real
 * PostgreSQL: a schema that uses every kind of type drizzle-kit spells differently from
 * PostgreSQL, migrated by the sdk, has no drift; each change made by hand is listed, one line
 * each; what an expand/contract operation keeps until its contract is listed apart.
 */

const HERE = dirname(fileURLToPath(import.meta.url));
const DB_CONFIG = join(HERE, '..', '..', '..', 'db-config');
// drizzle-kit is installed for db-config; its exports map hides bin.cjs, which sits beside the main entry.
const KIT = join(dirname(createRequire(join(DB_CONFIG, 'package.json')).resolve('drizzle-kit')), 'bin.cjs');

const SCHEMA = `import { bigserial, boolean, char, check, date, doublePrecision, index, inet, integer, interval, jsonb, numeric, pgEnum, pgSchema, pgTable, primaryKey, real, serial, smallint, text, time, timestamp, unique, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
export const shop = pgSchema('shop');
export const mood = pgEnum('mood', ['happy', 'sad']);
export const level = shop.enum('level', ['low', 'high']);
export const owners = shop.table('owners', { id: serial('id').primaryKey(), email: varchar('email', { length: 255 }).notNull().unique(), level: level('level').default('low'), levels: level('levels').array() });
export const items = pgTable('items', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  uid: uuid('uid').defaultRandom().notNull(),
  name: text('name').notNull(),
  status: varchar('status', { length: 20 }).default('active').notNull(),
  code: char('code', { length: 3 }),
  amount: numeric('amount', { precision: 10, scale: 2 }).default('0'),
  qty: integer('qty').default(0).notNull(),
  small: smallint('small').default(-1),
  ratio: doublePrecision('ratio').default(1.5),
  r: real('r'),
  ok: boolean('ok').default(false),
  tags: text('tags').array().default(sql\`'{}'::text[]\`),
  nums: integer('nums').array(),
  meta: jsonb('meta').default({ a: 1, b: [true, null] }),
  mood: mood('mood').default('happy'),
  moods: mood('moods').array(),
  createdAt: timestamp('created_at', { withTimezone: true }).defaultNow().notNull(),
  at3: timestamp('at3', { precision: 3, withTimezone: true }),
  plain: timestamp('plain'),
  d: date('d').default(sql\`CURRENT_DATE\`),
  t: time('t'),
  iv: interval('iv').default(sql\`interval '1 day'\`),
  ip: inet('ip'),
  counter: integer('counter').generatedAlwaysAsIdentity(),
  ownerId: integer('owner_id').references(() => owners.id, { onDelete: 'cascade' }),
}, (t) => [
  index('items_owner_idx').on(t.ownerId, t.qty.desc()),
  uniqueIndex('items_name_uq').on(t.name),
  index('items_lower_idx').using('btree', sql\`lower(\${t.name})\`),
  index('items_partial_idx').on(t.status).where(sql\`\${t.status} = 'active'\`),
  index('items_tags_gin').using('gin', t.tags),
  check('items_qty_positive', sql\`\${t.qty} >= 0\`),
  check('items_status_known', sql\`\${t.status} IN ('active', 'archived')\`),
  unique('items_code_small_unique').on(t.code, t.small),
]);
export const links = pgTable('links', { a: integer('a').notNull(), b: integer('b').notNull(), note: text('note') }, (t) => [primaryKey({ columns: [t.a, t.b] })]);
`;

function run(bin: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

let project: string;
let migrations: string;
const databases: TestDatabase[] = [];

/** A fresh database migrated by the sdk from `folder`. */
async function migrated(folder = migrations): Promise<TestDatabase> {
  const db = await createTestDatabase('drift');
  databases.push(db);
  await migrate({ databaseUrl: db.url, migrationsFolder: folder });
  return db;
}

beforeAll(async () => {
  // `.generate-test-*` folders are ignored by git; inside the package, the schema imports drizzle-orm.
  project = await mkdtemp(join(HERE, '..', '..', '.generate-test-drift-'));
  migrations = join(project, 'migrations');
  await writeFile(join(project, 'drizzle.config.ts'), "export default { dialect: 'postgresql', schema: './schema.ts', out: './migrations' };\n");
  await writeFile(join(project, 'schema.ts'), SCHEMA);
  const generated = await run(process.execPath, [KIT, 'generate', '--config', 'drizzle.config.ts', '--name', 'init'], project);
  expect(generated.out).toContain('0000_init.sql');
}, 60_000);

afterAll(async () => {
  for (const db of databases) await db.drop();
  await rm(project, { recursive: true, force: true });
});

describe('schemaDrift', () => {
  it('finds nothing on a database migrated from drizzle-kit\'s own migration (varchar, timestamptz, serial, identity, enums in two schemas, arrays, json and cast defaults, expression, partial, DESC and GIN indexes, checks)', async () => {
    const db = await migrated();
    const report = await schemaDrift({ databaseUrl: db.url, migrationsFolder: migrations });
    expect(report.items.map((i) => i.message)).toEqual([]);
    expect(report).toMatchObject({ snapshotTag: '0000_init', clean: true, inFlight: [], operationsInFlight: [], schemas: ['public', 'shop'] });
  });

  it('finds nothing on packages/db-config\'s own migrations, read through an open client', async () => {
    const folder = join(DB_CONFIG, 'migrations');
    const db = await migrated(folder);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const report = await schemaDrift({ client, migrationsFolder: folder });
      expect(report.items.map((i) => i.message)).toEqual([]);
      expect(report.clean).toBe(true);
      expect(report.schemas).toEqual(['auth']);
    } finally {
      await client.end();
    }
  });

  const CHANGES: Array<{ change: string; sql: string; items: Array<{ kind: string; object: string; message: string }> }> = [
    {
      change: 'an extra column',
      sql: 'ALTER TABLE items ADD COLUMN notes varchar(50)',
      items: [{ kind: 'extra-column', object: 'public.items.notes', message: 'column public.items.notes (character varying(50)) is in the database but not in the snapshot of 0000_init' }],
    },
    {
      change: 'a dropped index',
      sql: 'DROP INDEX items_owner_idx',
      items: [{ kind: 'missing-index', object: 'public.items.items_owner_idx', message: 'index items_owner_idx on public.items is in the snapshot of 0000_init but not in the database: USING btree (owner_id, qty DESC NULLS LAST)' }],
    },
    {
      change: 'a changed type',
      sql: 'ALTER TABLE shop.owners ALTER COLUMN email TYPE varchar(320)',
      items: [{ kind: 'column-type', object: 'shop.owners.email', message: 'column shop.owners.email is character varying(320) in the database, character varying(255) in the snapshot of 0000_init' }],
    },
    {
      change: 'a dropped NOT NULL',
      sql: 'ALTER TABLE items ALTER COLUMN name DROP NOT NULL',
      items: [{ kind: 'column-not-null', object: 'public.items.name', message: 'column public.items.name is nullable in the database, NOT NULL in the snapshot of 0000_init' }],
    },
    {
      change: 'an extra table',
      sql: 'CREATE TABLE shop.audit (id integer PRIMARY KEY)',
      items: [{ kind: 'extra-table', object: 'shop.audit', message: 'table shop.audit is in the database but not in the snapshot of 0000_init' }],
    },
    {
      change: 'a changed default',
      sql: "ALTER TABLE items ALTER COLUMN status SET DEFAULT 'draft'",
      items: [{ kind: 'column-default', object: 'public.items.status', message: "column public.items.status has DEFAULT 'draft'::character varying in the database, DEFAULT 'active'::character varying in the snapshot of 0000_init" }],
    },
    {
      change: 'a dropped foreign key',
      sql: 'ALTER TABLE items DROP CONSTRAINT items_owner_id_owners_id_fk',
      items: [{ kind: 'missing-foreign-key', object: 'public.items.items_owner_id_owners_id_fk', message: 'foreign key items_owner_id_owners_id_fk on public.items is in the snapshot of 0000_init but not in the database: FOREIGN KEY (owner_id) REFERENCES shop.owners(id) ON DELETE cascade ON UPDATE no action' }],
    },
    {
      change: 'a changed check and a dropped unique constraint',
      sql: 'ALTER TABLE items DROP CONSTRAINT items_qty_positive, ADD CONSTRAINT items_qty_positive CHECK (qty > 0), DROP CONSTRAINT items_code_small_unique',
      items: [
        { kind: 'missing-unique', object: 'public.items.items_code_small_unique', message: 'unique constraint items_code_small_unique on public.items is in the snapshot of 0000_init but not in the database: UNIQUE (code, small)' },
        { kind: 'check-definition', object: 'public.items.items_qty_positive', message: 'check constraint items_qty_positive on public.items is CHECK ((qty > 0)) in the database, CHECK ((qty >= 0)) in the snapshot of 0000_init' },
      ],
    },
    {
      change: 'a dropped primary key and an enum value added',
      sql: "ALTER TABLE links DROP CONSTRAINT links_a_b_pk; ALTER TYPE mood ADD VALUE 'calm'",
      items: [
        { kind: 'primary-key', object: 'public.links', message: 'table public.links has no primary key in the database, the primary key links_a_b_pk (a, b) in the snapshot of 0000_init' },
        { kind: 'enum-values', object: 'public.mood', message: 'enum public.mood has the values (happy, sad, calm) in the database, (happy, sad) in the snapshot of 0000_init' },
      ],
    },
  ];

  for (const c of CHANGES) {
    it(`reports ${c.change}, and nothing else`, async () => {
      const db = await migrated();
      await sql(db.url, c.sql);
      const report = await schemaDrift({ databaseUrl: db.url, migrationsFolder: migrations });
      expect(report.clean).toBe(false);
      expect(report.items.map(({ kind, object, message }) => ({ kind, object, message }))).toEqual(c.items);
      expect(report.inFlight).toEqual([]);
    });
  }

  it('lists what an operation between its expand and its contract keeps (a renamed column and its sync trigger, a required column not yet NOT NULL) as in flight, not as drift; after the contract there is neither', async () => {
    const folder = join(project, 'with-operation');
    const data = join(project, 'with-operation-data');
    await cp(migrations, folder, { recursive: true });
    const db = await migrated(folder);
    await sql(db.url, "INSERT INTO links SELECT g, g, 'n' || g FROM generate_series(1, 20) g");
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const plans = [
        addRequiredColumn.plan(await addRequiredColumn.resolve(client, { table: 'links', column: 'weight', type: 'integer', default: '1', backfill: '0' })),
        renameColumn.plan(await renameColumn.resolve(client, { table: 'links', from: 'note', to: 'remark' })),
      ];
      // The schema after the contract, as `sdk db new` writes it into the last snapshot.
      const finalSnapshot = (s: Snapshot): Snapshot => {
        const links = (s as unknown as { tables: Record<string, { columns: Record<string, unknown> }> }).tables['public.links']!;
        const { note, ...rest } = links.columns;
        links.columns = { ...rest, remark: { ...(note as object), name: 'remark' }, weight: { name: 'weight', type: 'integer', primaryKey: false, notNull: true, default: 1 } };
        return s;
      };
      await writeOperation(plans, { migrationsFolder: folder, dataMigrationsFolder: data, name: 'links_weight', command: 'test', finalSnapshot });
    } finally {
      await client.end();
    }
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, dataMigrationsFolder: data, phase: 'expand' });

    const expanded = await schemaDrift({ databaseUrl: db.url, migrationsFolder: folder });
    expect(expanded.items.map((i) => i.message)).toEqual([]);
    expect(expanded.clean).toBe(true);
    expect(expanded.operationsInFlight).toEqual(['links_weight']);
    expect(expanded.inFlight.map(({ kind, object, operation }) => ({ kind, object, operation }))).toEqual([
      { kind: 'extra-column', object: 'public.links.weight', operation: 'links_weight' },
      { kind: 'extra-column', object: 'public.links.remark', operation: 'links_weight' },
      { kind: 'sync-trigger', object: 'public.links.sdk_sync_remark', operation: 'links_weight' },
    ]);
    expect(expanded.inFlight[0]!.message).toBe('column public.links.weight (integer) is in the database but not in the snapshot of 0001_links_weight_expand: kept by operation links_weight until its contract');

    // After the contract, the database is the contract's snapshot: no drift, nothing in flight.
    await migrate({ databaseUrl: db.url, migrationsFolder: folder, dataMigrationsFolder: data });
    const contracted = await schemaDrift({ databaseUrl: db.url, migrationsFolder: folder });
    expect(contracted.items.map((i) => i.message)).toEqual([]);
    expect(contracted).toMatchObject({ clean: true, inFlight: [], operationsInFlight: [] });
  }, 60_000);

  it('says a NOT VALID *_not_null check with no operation in flight is drift left by one', async () => {
    const db = await migrated();
    await sql(db.url, 'ALTER TABLE links ADD CONSTRAINT links_note_not_null CHECK (note IS NOT NULL) NOT VALID');
    const report = await schemaDrift({ databaseUrl: db.url, migrationsFolder: migrations });
    expect(report.items.map((i) => i.message)).toEqual([
      'check constraint links_note_not_null on public.links is in the database but not in the snapshot of 0000_init: CHECK ((note IS NOT NULL)); its name is one an expand/contract operation gives what it keeps until its contract, and no operation is between its expand and contract',
    ]);
  });

  it('refuses a database with no migration of the folder applied, naming what to do', async () => {
    const db = await createTestDatabase('drift');
    databases.push(db);
    await expect(schemaDrift({ databaseUrl: db.url, migrationsFolder: migrations })).rejects.toMatchObject({ code: 'E_JOURNAL', hint: expect.stringContaining('sdk db migrate') });
  });
});
