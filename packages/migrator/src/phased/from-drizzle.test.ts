import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@big0290/testing';
import { migrate } from '../data-migrations/index.js';
import { lintPaths } from '../lint/index.js';
import { readJournal } from './drizzle-folder.js';
import { findSafeRewrites, safeRewrite, type SafeRewriteOptions } from './from-drizzle.js';

/**
 * `sdk db generate --safe` end to end, with the real drizzle-kit on a temporary Drizzle project
 * and a real PostgreSQL: drizzle-kit writes the migration, safeRewrite replaces it, and then
 * drizzle-kit has nothing left to generate, the linter finds no error, and the rewritten folder,
 * applied (expand, then the rest) to a database that has rows, ends in exactly the schema that
 * drizzle-kit's own migration gives an empty one.
 */

const HERE = dirname(fileURLToPath(import.meta.url));
// drizzle-kit is installed for db-config; its exports map hides bin.cjs, which sits beside the main entry.
const KIT = join(dirname(createRequire(join(HERE, '..', '..', '..', 'db-config', 'package.json')).resolve('drizzle-kit')), 'bin.cjs');
const COMMAND = 'sdk db generate --safe';

interface Columns {
  name: string;
  amount: string;
  code: string;
  ownerId: string;
  email: string;
  /** More columns of auth.owners. */
  owners: string;
  /** The third argument of items' pgTable: `(t) => [...]`. */
  itemsExtra: string;
  /** More tables. */
  tables: string;
}

const BASE: Columns = {
  name: "text('name')",
  amount: "integer('amount').default(0)",
  code: "varchar('code', { length: 20 })",
  ownerId: "integer('owner_id')",
  email: "text('email')",
  owners: '',
  itemsExtra: '',
  tables: '',
};

/** The Drizzle schema of the project: auth.owners and public.items, with `changes` applied. */
function schema(changes: Partial<Columns> = {}): string {
  const c = { ...BASE, ...changes };
  return `import { bigint, check, index, integer, pgSchema, pgTable, serial, text, unique, varchar } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
export const auth = pgSchema('auth');
export const owners = auth.table('owners', { id: serial('id').primaryKey(), email: ${c.email}${c.owners} });
export const items = pgTable('items', {
  id: serial('id').primaryKey(),
  ${c.name.includes("'title'") ? 'title' : 'name'}: ${c.name},
  amount: ${c.amount},
  code: ${c.code},
  ownerId: ${c.ownerId},
}${c.itemsExtra ? `, ${c.itemsExtra}` : ''});
${c.tables}
`;
}

/** Rows the application wrote before the change: some names and e-mails are NULL. */
const ROWS = `INSERT INTO auth.owners (email) SELECT CASE WHEN g % 3 = 0 THEN NULL ELSE 'o' || g || '@x.test' END FROM generate_series(1, 50) g;
INSERT INTO items (name, amount, code, owner_id) SELECT CASE WHEN g % 4 = 0 THEN NULL ELSE 'item ' || g END, g, 'c' || g, g % 50 + 1 FROM generate_series(1, 400) g;`;

/** A temporary Drizzle project inside the package (so its schema imports drizzle-orm), with drizzle-kit's first migration. */
class Project {
  readonly migrations: string;
  readonly data: string;
  private readonly initial: string;

  private constructor(readonly dir: string) {
    this.migrations = join(dir, 'migrations');
    this.data = join(dir, 'data-migrations');
    this.initial = join(dir, 'initial');
  }

  static async create(): Promise<Project> {
    // `.generate-test-*` folders are ignored by git.
    const project = new Project(await mkdtemp(join(HERE, '..', '..', '.generate-test-safe-')));
    await writeFile(join(project.dir, 'drizzle.config.ts'), "export default { dialect: 'postgresql', schema: './schema.ts', out: './migrations' };\n");
    await project.schema(schema());
    const init = await project.generate('init');
    expect(init.stdout).toContain('0000_init.sql');
    await cp(project.migrations, project.initial, { recursive: true });
    return project;
  }

  /** Back to the first migration alone. */
  async reset(): Promise<void> {
    await rm(this.migrations, { recursive: true, force: true });
    await rm(this.data, { recursive: true, force: true });
    await cp(this.initial, this.migrations, { recursive: true });
  }

  schema(text: string): Promise<void> {
    return writeFile(join(this.dir, 'schema.ts'), text);
  }

  /** `drizzle-kit generate`, as `pnpm db:generate` runs it. */
  generate(name?: string): Promise<{ code: number; stdout: string }> {
    return run(process.execPath, [KIT, 'generate', '--config', 'drizzle.config.ts', ...(name ? ['--name', name] : [])], this.dir);
  }

  /**
   * `drizzle-kit generate` for a change it asks about (is `title` a new column or `name`
   * renamed?): drizzle-kit 0.31 asks only on a terminal and has no flag for it, so it runs in a
   * pseudo-terminal (util-linux `script`) and gets the answer a developer would type: the
   * second choice ("rename column", or "rename table"), down arrow and Enter.
   */
  generateRenaming(name: string, what: 'column' | 'table' = 'column'): Promise<{ code: number; stdout: string }> {
    const command = [process.execPath, KIT, 'generate', '--config', 'drizzle.config.ts', '--name', name].map((a) => `'${a}'`).join(' ');
    return run('script', ['-qfec', command, '/dev/null'], this.dir, { question: `rename ${what}`, keys: ['\u001b[B', '\r'] });
  }

  /** The tag drizzle-kit wrote last. */
  async lastTag(): Promise<string> {
    return (await readJournal(this.migrations)).entries.at(-1)!.tag;
  }

  options(tag: string, backfill?: Record<string, string>): SafeRewriteOptions {
    return { migrationsFolder: this.migrations, dataMigrationsFolder: this.data, tags: [tag], command: COMMAND, ...(backfill ? { backfill } : {}) };
  }
}

function run(bin: string, args: string[], cwd: string, answer?: { question: string; keys: string[] }): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let answered = false;
    const timer = setTimeout(() => child.kill(), 30_000);
    const read = (chunk: Buffer) => {
      stdout += chunk.toString();
      if (answer && !answered && stdout.includes(answer.question)) {
        answered = true;
        // One key at a time, after the prompt has drawn itself and put the terminal in raw mode.
        answer.keys.forEach((key, i) => setTimeout(() => child.stdin.write(key), 300 * (i + 1)));
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout });
    });
    if (!answer) child.stdin.end();
  });
}

type Query = <T = Record<string, unknown>>(sql: string) => Promise<T[]>;

/** The schema of auth and public as PostgreSQL reports it: columns, constraints, indexes, triggers, functions. */
async function shape(url: string): Promise<unknown> {
  return withClient(url, async (q) => ({
    columns: await q(`SELECT n.nspname || '.' || c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default
                        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                       WHERE c.relkind = 'r' AND n.nspname IN ('public', 'auth') AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, 2`),
    constraints: await q(`SELECT conrelid::regclass::text AS table, conname, pg_get_constraintdef(k.oid) AS def, convalidated
                            FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname IN ('public', 'auth') ORDER BY 1, 2`),
    indexes: await q(`SELECT schemaname, indexname, indexdef FROM pg_indexes WHERE schemaname IN ('public', 'auth') ORDER BY 1, 2`),
    invalid: await q(`SELECT indexrelid::regclass::text AS name FROM pg_index WHERE NOT indisvalid`),
    triggers: await q(`SELECT tgrelid::regclass::text AS table, tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2`),
    functions: await q(`SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname IN ('public', 'auth') ORDER BY 1`),
  }));
}

async function withClient<T>(url: string, body: (q: Query) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await body(async (sql) => (await client.query(sql)).rows);
  } finally {
    await client.end();
  }
}

const sqlFiles = async (folder: string) => (await readdir(folder)).filter((f) => f.endsWith('.sql')).sort();

interface Case {
  name: string;
  /** A change generated (and rewritten with --safe) first, in its own migration. */
  before?: Partial<Columns>;
  changes: Partial<Columns>;
  rename?: boolean;
  /** The operations that replace drizzle-kit's statements, in their order. */
  kinds: string[];
  backfill?: Record<string, string>;
  /** Checks of the data after everything ran. */
  data?(q: Query): Promise<void>;
}

const CASES: Case[] = [
  {
    name: 'SET NOT NULL on an existing column becomes add-required-column (fill the NULLs, CHECK NOT VALID, VALIDATE, SET NOT NULL)',
    changes: { name: "text('name').notNull()" },
    kinds: ['add-required-column'],
    backfill: { 'items.name': "'unnamed ' || id" },
    async data(q) {
      expect(await q(`SELECT count(*)::int AS n FROM items WHERE name = 'unnamed ' || id`)).toEqual([{ n: 100 }]);
    },
  },
  {
    name: 'ADD COLUMN ... NOT NULL without a default becomes add-required-column (add it nullable, fill it, then NOT NULL)',
    changes: { owners: ", region: text('region').notNull()" },
    kinds: ['add-required-column'],
    backfill: { 'auth.owners.region': "'eu-' || (id % 2)" },
    async data(q) {
      expect(await q(`SELECT count(*)::int AS n FROM auth.owners WHERE region = 'eu-' || (id % 2)`)).toEqual([{ n: 50 }]);
    },
  },
  {
    name: 'RENAME COLUMN becomes rename-column (a new column kept equal by a trigger, copied, the old one dropped)',
    changes: { name: "text('title')" },
    rename: true,
    kinds: ['rename-column'],
    async data(q) {
      expect(await q(`SELECT title FROM items WHERE id IN (1, 4) ORDER BY id`)).toEqual([{ title: 'item 1' }, { title: null }]);
    },
  },
  {
    name: 'a RENAME COLUMN of an indexed column (drizzle-kit drops the index and builds it again on the new name) becomes rename-column and add-index',
    before: { itemsExtra: "(t) => [index('items_name_idx').on(t.name)]" },
    changes: { name: "text('title')", itemsExtra: "(t) => [index('items_name_idx').on(t.title)]" },
    rename: true,
    kinds: ['rename-column', 'add-index'],
  },
  {
    name: 'a type change that rewrites the table becomes change-column-type; a varchar widened in the same migration stays as it is',
    changes: { amount: "bigint('amount', { mode: 'number' }).default(0)", code: "varchar('code', { length: 50 })" },
    kinds: ['change-column-type'],
    async data(q) {
      expect(await q(`SELECT sum(amount)::int AS total FROM items`)).toEqual([{ total: 80_200 }]);
    },
  },
  {
    name: 'CREATE INDEX on an existing table becomes add-index (CONCURRENTLY)',
    changes: { itemsExtra: "(t) => [index('items_owner_idx').on(t.ownerId, t.amount)]" },
    kinds: ['add-index'],
  },
  {
    name: 'ADD CONSTRAINT ... FOREIGN KEY becomes add-foreign-key (NOT VALID, then VALIDATE)',
    changes: { ownerId: "integer('owner_id').references(() => owners.id, { onDelete: 'set null' })" },
    kinds: ['add-foreign-key'],
  },
  {
    name: 'ADD CONSTRAINT ... CHECK becomes add-check (NOT VALID, then VALIDATE)',
    changes: { itemsExtra: "(t) => [check('items_amount_positive', sql`${t.amount} >= 0`)]" },
    kinds: ['add-check'],
  },
  {
    name: 'ADD CONSTRAINT ... UNIQUE becomes add-unique (a unique index built CONCURRENTLY, then attached)',
    changes: { itemsExtra: "(t) => [unique('items_code_unique').on(t.code)]" },
    kinds: ['add-unique'],
  },
  {
    name: 'a migration of many changes and a new table: every statement an operation does is replaced, the new table and its index and keys stay',
    changes: {
      name: "text('name').notNull()",
      email: "text('email').notNull()",
      owners: ", region: text('region').notNull()",
      amount: "bigint('amount', { mode: 'number' }).default(0)",
      ownerId: "integer('owner_id').references(() => owners.id)",
      itemsExtra: "(t) => [index('items_owner_idx').on(t.ownerId), unique('items_name_unique').on(t.name), check('items_code_filled', sql`length(${t.code}) > 0`)]",
      tables: "export const tags = pgTable('tags', { id: serial('id').primaryKey(), itemId: integer('item_id').notNull().references(() => items.id), label: text('label').notNull() }, (t) => [index('tags_item_idx').on(t.itemId)]);",
    },
    kinds: ['add-required-column', 'change-column-type', 'add-required-column', 'add-required-column', 'add-foreign-key', 'add-index', 'add-unique', 'add-check'],
    backfill: { 'public.items.name': "'unnamed ' || id", 'auth.owners.email': "'nobody' || id || '@x.test'", 'auth.owners.region': "'eu'" },
    async data(q) {
      expect(await q(`SELECT count(*)::int AS n FROM auth.owners WHERE region = 'eu' AND email IS NOT NULL`)).toEqual([{ n: 50 }]);
      expect(await q(`INSERT INTO tags (item_id, label) VALUES (1, 'a') RETURNING item_id`)).toEqual([{ item_id: 1 }]);
    },
  },
];

let project: Project;
beforeAll(async () => {
  project = await Project.create();
});
afterAll(async () => {
  if (project) await rm(project.dir, { recursive: true, force: true });
});

describe.each(CASES)('generate --safe: $name', (c) => {
  let scratch: string;
  let databases: Promise<TestDatabase[]> | undefined;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'sdk-safe-'));
  });
  afterAll(async () => {
    for (const db of (await databases) ?? []) await db.drop();
    await rm(scratch, { recursive: true, force: true });
  });

  it('leaves drizzle-kit nothing to generate, the linter no error, and applied to a table with rows, the schema of drizzle-kit\'s migration', async () => {
    // Independent work runs side by side: the suite waits mostly on drizzle-kit and the server.
    databases = Promise.all([createTestDatabase('safe_orig'), createTestDatabase('safe_new')]);
    await project.reset();
    if (c.before) {
      await project.schema(schema(c.before));
      await project.generate('before');
      await safeRewrite(project.options(await project.lastTag()));
    }
    await project.schema(schema({ ...c.before, ...c.changes }));
    const generated = c.rename ? await project.generateRenaming('change') : await project.generate('change');
    const tag = await project.lastTag();
    expect(tag).toMatch(/^\d{4}_change$/);
    expect(generated.stdout).toContain(`${tag}.sql`);
    const upTo = (await readJournal(project.migrations)).entries.at(-2)!.tag;
    const original = join(scratch, 'original');
    await cp(project.migrations, original, { recursive: true });
    const [expected, actual] = await databases;
    // drizzle-kit's own migration, on an empty database.
    const applied = migrate({ databaseUrl: expected!.url, migrationsFolder: original });

    const findings = await findSafeRewrites(project.options(tag, c.backfill));
    expect(findings.map((f) => f.kind)).toEqual(c.kinds);
    expect(findings.filter((f) => f.needsValue)).toEqual([]);
    const result = await safeRewrite(project.options(tag, c.backfill));
    expect(result.findings).toEqual(findings);
    expect(result.rewritten.map((r) => r.tag)).toEqual([tag]);
    for (const file of result.rewritten[0]!.files) expect(existsSync(file)).toBe(true);
    const files = await sqlFiles(project.migrations);

    await Promise.all([
      (async () => {
        // (1) drizzle-kit's last snapshot is its own: the next generate has nothing to write.
        const again = await project.generate();
        expect(again.stdout).toContain('No schema changes');
        expect(await sqlFiles(project.migrations)).toEqual(files);
      })(),
      (async () => {
        // (2) No lint error in the folder (the earlier migrations read as history, as `sdk db lint` does).
        const lint = await lintPaths({ paths: [project.migrations] });
        expect(lint.report.files.flatMap((f) => f.violations.filter((v) => v.severity === 'error').map((v) => `${f.path}:${v.line} ${v.rule}: ${v.message}`))).toEqual([]);
      })(),
      (async () => {
        // (3) The rewrite, on a database whose tables have rows: expand (with the backfills), then the rest.
        const folders = { databaseUrl: actual!.url, migrationsFolder: project.migrations, dataMigrationsFolder: project.data };
        await migrate({ ...folders, to: upTo });
        await withClient(actual!.url, (q) => q(ROWS));
        const expand = await migrate({ ...folders, phase: 'expand' });
        if (files.some((f) => /_(contract(_\d+)?|rest)\.sql$/.test(f))) expect(expand.stopped).toMatchObject({ reason: 'phase' });
        await migrate(folders);
        await applied;
        // ... ends in the schema of drizzle-kit's migration.
        expect(await shape(actual!.url)).toEqual(await shape(expected!.url));
        if (c.data) await withClient(actual!.url, c.data);
      })(),
    ]);
  });
});

describe('generate --safe without a value for the existing rows', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('safe_novalue');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('names the column that needs one, and writes a data migration that refuses to run, so nothing after it is applied, until it is given', async () => {
    await project.reset();
    await project.schema(schema({ name: "text('name').notNull()" }));
    await project.generate('required');
    const tag = await project.lastTag();
    const findings = await findSafeRewrites(project.options(tag));
    expect(findings).toEqual([
      {
        tag,
        line: 1,
        statement: 'ALTER TABLE "items" ALTER COLUMN "name" SET NOT NULL',
        kind: 'add-required-column',
        summary: 'make public.items.name NOT NULL',
        needsValue: 'public.items.name',
      },
    ]);
    const { rewritten } = await safeRewrite(project.options(tag));
    const data = rewritten[0]!.files.filter((f) => f.endsWith('.mjs'));
    expect(data.map((f) => f.slice(project.data.length + 1))).toEqual(['0001_required_backfill.mjs', '0002_required_backfill_2.mjs']);

    await migrate({ databaseUrl: db.url, migrationsFolder: project.migrations, to: '0000_init' });
    await withClient(db.url, (q) => q(ROWS));
    const refused = migrate({ databaseUrl: db.url, migrationsFolder: project.migrations, dataMigrationsFolder: project.data });
    await expect(refused).rejects.toMatchObject({
      code: 'E_DATA_MIGRATION',
      message: expect.stringContaining('0001_required_backfill failed: no value was given for the existing rows of public.items.name: set its placeholder'),
    });
    const applied = () => withClient(db.url, (q) => q<{ tag: string }>(`SELECT tag FROM sdk_migrator.migrations ORDER BY tag`));
    expect((await applied()).map((r) => r.tag)).toEqual(['0000_init', '0001_required_expand']);
    await withClient(db.url, async (q) => {
      expect(await q(`SELECT attnotnull FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'name'`)).toEqual([{ attnotnull: false }]);
      expect(await q(`SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = 'items'::regclass AND contype = 'c'`)).toEqual([{ n: 0 }]);
    });

    // The user puts the value in both data migrations (the first pass and the catch-up), and the run goes on.
    for (const file of data) await writeFile(file, (await readFile(file, 'utf8')).replace('const value = undefined;', `const value = "'unnamed'";`));
    await migrate({ databaseUrl: db.url, migrationsFolder: project.migrations, dataMigrationsFolder: project.data });
    await withClient(db.url, async (q) => {
      expect(await q(`SELECT attnotnull FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'name'`)).toEqual([{ attnotnull: true }]);
      expect(await q(`SELECT count(*)::int AS n FROM items WHERE name = 'unnamed'`)).toEqual([{ n: 100 }]);
    });
  });

  it('gives each column of a data migration its own placeholder, and names each one that is missing', async () => {
    await project.reset();
    await project.schema(schema({ name: "text('name').notNull()", email: "text('email').notNull()" }));
    await project.generate('two');
    const tag = await project.lastTag();
    const { findings, rewritten } = await safeRewrite(project.options(tag, { 'items.name': "'unnamed'" }));
    expect(findings.map((f) => f.needsValue)).toEqual([undefined, 'auth.owners.email']);
    const first = await readFile(rewritten[0]!.files.find((f) => f.endsWith('_backfill.mjs'))!, 'utf8');
    expect(first).toContain('"\\"name\\" = \'unnamed\'"');
    expect(first).toContain('if (value === undefined) throw new Error("no value was given for the existing rows of auth.owners.email');
  });
});

describe('generate --safe over two migrations drizzle-kit wrote', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('safe_two');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('numbers the files of the first on from its number, moves the second after them, and chains the snapshots', async () => {
    await project.reset();
    await project.schema(schema({ name: "text('name').notNull()" }));
    await project.generate('required');
    await project.schema(schema({ name: "text('name').notNull()", owners: ", note: text('note')" }));
    await project.generate('note');
    const tags = (await readJournal(project.migrations)).entries.slice(1).map((e) => e.tag);
    expect(tags).toEqual(['0001_required', '0002_note']);
    const result = await safeRewrite({ ...project.options(tags[0]!, { 'items.name': "'unnamed'" }), tags });
    expect(result.findings.map((f) => [f.tag, f.kind])).toEqual([['0001_required', 'add-required-column']]);
    expect(result.rewritten.map((r) => r.tag)).toEqual(tags);

    const journal = await readJournal(project.migrations);
    expect(journal.entries.map((e) => [e.idx, e.tag])).toEqual([
      [0, '0000_init'],
      [1, '0001_required_expand'],
      [2, '0002_required_contract'],
      [3, '0003_required_contract_2'],
      [4, '0004_required_contract_3'],
      [5, '0005_note'],
    ]);
    expect(journal.entries.every((e, i) => i === 0 || e.when > journal.entries[i - 1]!.when)).toBe(true);
    expect(await sqlFiles(project.migrations)).toEqual(journal.entries.map((e) => `${e.tag}.sql`));
    const snapshots = await Promise.all(journal.entries.map(async (e) => JSON.parse(await readFile(join(project.migrations, 'meta', `${String(e.idx).padStart(4, '0')}_snapshot.json`), 'utf8')) as { id: string; prevId: string }));
    expect(snapshots.slice(1).map((s, i) => s.prevId === snapshots[i]!.id)).toEqual(snapshots.slice(1).map(() => true));
    expect((await readdir(join(project.migrations, 'meta'))).filter((f) => f.endsWith('_snapshot.json'))).toHaveLength(journal.entries.length);

    expect((await project.generate()).stdout).toContain('No schema changes');
    await migrate({ databaseUrl: db.url, migrationsFolder: project.migrations, to: '0000_init' });
    await withClient(db.url, (q) => q(ROWS));
    await migrate({ databaseUrl: db.url, migrationsFolder: project.migrations, dataMigrationsFolder: project.data });
    await withClient(db.url, async (q) => {
      expect(await q(`SELECT attname, attnotnull FROM pg_attribute WHERE attrelid IN ('items'::regclass, 'auth.owners'::regclass) AND attname IN ('name', 'note') ORDER BY 1`)).toEqual([
        { attname: 'name', attnotnull: true },
        { attname: 'note', attnotnull: false },
      ]);
    });
  });
});

describe('generate --safe refuses', () => {
  it('a migration that is not the last of the journal, and a value for a column nothing makes NOT NULL; a dry run writes nothing', async () => {
    await project.reset();
    await project.schema(schema({ name: "text('name').notNull()" }));
    await project.generate('required');
    await expect(findSafeRewrites(project.options('0000_init'))).rejects.toMatchObject({ code: 'E_OPERATION', message: expect.stringContaining('0000_init is not the last migration of the journal') });
    await expect(findSafeRewrites(project.options('0001_required', { 'items.nmae': "'x'" }))).rejects.toMatchObject({
      code: 'E_OPERATION',
      message: expect.stringContaining('a value for existing rows was given for public.items.nmae, but no statement of 0001_required makes that column NOT NULL (these need one: public.items.name)'),
    });
    const before = await sqlFiles(project.migrations);
    const dry = await safeRewrite({ ...project.options('0001_required'), dryRun: true });
    expect(dry.rewritten[0]!.files.some((f) => f.endsWith('0001_required_expand.sql'))).toBe(true);
    expect(await sqlFiles(project.migrations)).toEqual(before);
    expect(existsSync(project.data)).toBe(false);
  });

  it('a rename of a key column (the new column would not be the key), naming what uses it', async () => {
    const codes = "export const codes = pgTable('codes', { code: text('code').primaryKey(), label: text('label') });";
    await project.reset();
    await project.schema(schema({ tables: codes }));
    await project.generate('codes');
    await project.schema(schema({ tables: codes.replace("code: text('code')", "key: text('key')") }));
    await project.generateRenaming('rename');
    const tag = await project.lastTag();
    await expect(findSafeRewrites(project.options(tag))).rejects.toMatchObject({
      code: 'E_OPERATION',
      message: expect.stringContaining(`${tag}.sql:1: public.codes.code is used by the primary key, which rename-column does not carry over to the new column`),
    });
  });

  it('an operation on a table the same migration renames (the rename is a contract step, the operation would run before it)', async () => {
    await project.reset();
    await project.schema(schema({ itemsExtra: "(t) => [index('items_owner_idx').on(t.ownerId)]" }).replace("pgTable('items'", "pgTable('products'"));
    await project.generateRenaming('rename_table', 'table');
    const tag = await project.lastTag();
    expect(await readFile(join(project.migrations, `${tag}.sql`), 'utf8')).toContain('RENAME TO "products"');
    await expect(findSafeRewrites(project.options(tag))).rejects.toMatchObject({
      code: 'E_OPERATION',
      message: expect.stringContaining('this statement (add-index) depends on line 1, a contract step (it renames table items to products'),
    });
  });

  it('a change of a column that a type change of the same migration replaces', async () => {
    await project.reset();
    await project.schema(schema({ amount: "bigint('amount', { mode: 'number' }).default(0)", itemsExtra: "(t) => [check('items_amount_positive', sql`${t.amount} >= 0`)]" }));
    await project.generate('both');
    await expect(findSafeRewrites(project.options(await project.lastTag()))).rejects.toMatchObject({
      code: 'E_OPERATION',
      message: expect.stringMatching(/:2: this statement changes public\.items\.amount too, which change-column-type \(line 1\) replaces by a new column/),
    });
  });
});
