// The schema change of `pnpm bench zero-downtime`, done two ways on the same data: what a
// drizzle-kit user ships (one migration file applied by drizzle-orm's migrate()), and the sdk's
// operations written as phased migrations + a data migration and applied by the sdk's migrate().
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';

export const BACKFILL = `'+1-555-' || lpad((id % 10000000)::text, 7, '0')`;

/** The tables as drizzle-kit 0.31 generates them from the bench's Drizzle schema (auth.orgs, auth.users). */
export const TABLES = [
  'CREATE SCHEMA "auth"',
  `CREATE TABLE "auth"."orgs" (
	"id" integer PRIMARY KEY NOT NULL,
	"name" text NOT NULL
)`,
  `CREATE TABLE "auth"."users" (
	"id" bigint PRIMARY KEY NOT NULL,
	"org_id" integer NOT NULL,
	"email" varchar(255) NOT NULL,
	"status" varchar(20) DEFAULT 'active' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
)`,
];

/**
 * What a drizzle-kit 0.31 user applies for `phoneNumber: varchar('phone_number', { length: 20 }).notNull()`
 * on a table with rows, plus `index('users_email_idx').on(t.email)` and
 * `foreignKey({ columns: [t.orgId], foreignColumns: [orgs.id] })`. drizzle-kit's own
 * `ADD COLUMN ... NOT NULL` fails on a table with rows, so the file is the way the guide says to
 * write it by hand from drizzle-kit's statements: the ADD COLUMN drizzle-kit writes for the
 * nullable column, an UPDATE filling it, then the statements drizzle-kit writes for the change
 * to notNull + index + foreign key, in drizzle-kit's order (checked against `drizzle-kit
 * generate` 0.31.11: SET NOT NULL, ADD CONSTRAINT, CREATE INDEX).
 */
export const DRIZZLE_KIT_SQL = [
  'ALTER TABLE "auth"."users" ADD COLUMN "phone_number" varchar(20);',
  `UPDATE "auth"."users" SET "phone_number" = ${BACKFILL} WHERE "phone_number" IS NULL;`,
  'ALTER TABLE "auth"."users" ALTER COLUMN "phone_number" SET NOT NULL;',
  'ALTER TABLE "auth"."users" ADD CONSTRAINT "users_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "auth"."orgs"("id") ON DELETE no action ON UPDATE no action;',
  'CREATE INDEX "users_email_idx" ON "auth"."users" USING btree ("email");',
];

/** The same change as the sdk's operations, in the order the drizzle-kit file has them. */
export const OPERATION_INPUTS = [
  ['add-required-column', { table: 'auth.users', column: 'phone_number', type: 'varchar(20)', backfill: BACKFILL }],
  ['add-index', { table: 'auth.users', columns: 'email', name: 'users_email_idx' }],
  ['add-foreign-key', { table: 'auth.users', columns: 'org_id', references: 'auth.orgs', name: 'users_org_id_orgs_id_fk' }],
];

async function emptyMigrationsFolder(prefix) {
  const folder = await mkdtemp(`/tmp/sdk-bench-zd-${prefix}-`);
  await mkdir(join(folder, 'meta'));
  return folder;
}

const short = (sql) => {
  const text = sql.trim().replace(/;$/, '').replace(/\s+/g, ' ').replace(/"auth"\."(users|orgs)"/g, 'auth.$1');
  return text.length > 90 ? `${text.slice(0, 89)}…` : text;
};

/** The steps, and what the migration spent outside them. */
function withRest(steps, totalMs, label) {
  const accounted = steps.reduce((sum, s) => sum + s.ms, 0);
  return [...steps, { step: label, ms: Math.max(0, Math.round(totalMs - accounted)) }];
}

/** A pg.Client whose queries are timed: drizzle's migrator reports nothing per statement. */
function timedClient(config, steps, origin) {
  const client = new pg.Client(config);
  const query = client.query.bind(client);
  client.query = (...args) => {
    const text = typeof args[0] === 'string' ? args[0] : args[0]?.text;
    const began = performance.now();
    const result = query(...args);
    if (result && typeof result.then === 'function') {
      result.then(
        () => steps.push({ step: short(text ?? '?'), startMs: Math.round(began - origin()), ms: performance.now() - began }),
        () => {},
      );
    }
    return result;
  };
  return client;
}

/** (a): one drizzle-kit migration file, applied by drizzle-orm's migrate() (all of it in one transaction). */
export async function prepareDrizzle() {
  const folder = await emptyMigrationsFolder('drizzle');
  const tag = '0000_phone_number_required';
  await writeFile(join(folder, `${tag}.sql`), DRIZZLE_KIT_SQL.join('--> statement-breakpoint\n'));
  await writeFile(
    join(folder, 'meta', '_journal.json'),
    `${JSON.stringify({ version: '7', dialect: 'postgresql', entries: [{ idx: 0, version: '7', when: Date.now(), tag, breakpoints: true }] }, null, 2)}\n`,
  );
  return {
    folder,
    files: [`${tag}.sql`],
    async apply({ config }) {
      const { drizzle } = await import('drizzle-orm/node-postgres');
      const { migrate } = await import('drizzle-orm/node-postgres/migrator');
      const steps = [];
      let began = performance.now();
      const client = timedClient({ ...config, application_name: 'bench migration' }, steps, () => began);
      await client.connect();
      began = performance.now();
      const startedAt = Date.now();
      try {
        await migrate(drizzle(client), { migrationsFolder: folder });
      } finally {
        await client.end();
      }
      const ms = performance.now() - began;
      return { ms, startedAt, phases: [{ phase: 'drizzle migrate()', ms }], steps: withRest(steps.map((s) => ({ ...s, ms: Math.round(s.ms) })), ms, "the rest (drizzle's migrator reading the folder, round trips)") };
    },
  };
}

/**
 * (b): resolve + plan of each operation, written together by writeOperation into an empty drizzle migrations folder
 * and a data-migrations folder, before the run; then `migrate({ phase: 'expand' })` and
 * `migrate()` (the contract) back to back, as if the new application were deployed in between in
 * no time.
 */
export async function prepareSdk(sdk, client) {
  const folder = await emptyMigrationsFolder('sdk');
  const dataFolder = join(folder, 'data-migrations');
  await writeFile(join(folder, 'meta', '_journal.json'), `${JSON.stringify({ version: '7', dialect: 'postgresql', entries: [] }, null, 2)}\n`);
  const plans = [];
  for (const [kind, input] of OPERATION_INPUTS) {
    const operation = sdk.OPERATIONS.get(kind);
    if (!operation) throw new Error(`@big0290/migrator has no operation ${kind}`);
    plans.push(operation.plan(await operation.resolve(client, input)));
  }
  // Written as one: every expand step (the column, the index, the foreign key NOT VALID) and the
  // backfill before the deploy, every contract step after it.
  const written = await sdk.writeOperation(plans, { migrationsFolder: folder, dataMigrationsFolder: dataFolder, name: 'phone_number_required', command: 'pnpm bench zero-downtime' });
  const files = written.files.map((f) => ({ kind: f.kind, phase: f.phase, name: f.name, text: f.text }));
  return {
    folder,
    files,
    async apply({ url }) {
      const steps = [];
      let current;
      const onEvent = (e) => {
        if (e.type === 'statement-start') current = { sql: e.sql, began: performance.now() };
        if (e.type === 'statement-done' && current) steps.push({ step: `${e.tag.replace(/^\d+_/, '')}: ${short(current.sql)}`, startMs: Math.round(current.began - began), ms: Math.round(e.durationMs) });
        if (e.type === 'retry') steps.push({ step: `${e.tag.replace(/^\d+_/, '')}: retry after ${e.reason}`, startMs: Math.round(performance.now() - began), ms: 0 });
      };
      let dataBegan = 0;
      const onDataMigration = (e) => {
        if (e.type === 'data-migration-start') dataBegan = performance.now();
        if (e.type === 'data-migration-done') steps.push({ step: `data migration ${e.name}`, startMs: Math.round(dataBegan - began), ms: Math.round(e.durationMs) });
      };
      const phases = [];
      const began = performance.now();
      const startedAt = Date.now();
      const expand = await sdk.migrate({ databaseUrl: url, migrationsFolder: folder, dataMigrationsFolder: dataFolder, phase: 'expand', onEvent, onDataMigration });
      phases.push({ phase: 'expand (migrate phase: expand)', ms: performance.now() - began, applied: expand.applied.map((m) => m.tag), stopped: expand.stopped });
      const contractBegan = performance.now();
      const contract = await sdk.migrate({ databaseUrl: url, migrationsFolder: folder, dataMigrationsFolder: dataFolder, onEvent, onDataMigration });
      phases.push({ phase: 'contract (migrate)', ms: performance.now() - contractBegan, applied: contract.applied.map((m) => m.tag) });
      if (contract.remaining.length > 0) throw new Error(`the sdk left migrations pending: ${contract.remaining.join(', ')}`);
      const ms = performance.now() - began;
      return { ms, startedAt, phases, steps: withRest(steps, ms, 'the rest (the runner: connections, advisory lock, metadata and progress rows, checksums, journal, between the two calls)') };
    },
  };
}

/** What both ways must leave: the column NOT NULL and filled, the index valid, the key validated, nothing else. */
export async function finalShape(client) {
  const q = async (sql) => (await client.query(sql)).rows;
  return {
    column: await q(`SELECT format_type(atttypid, atttypmod) AS type, attnotnull FROM pg_attribute WHERE attrelid = 'auth.users'::regclass AND attname = 'phone_number'`),
    wrongValues: (await q(`SELECT count(*)::int AS n FROM auth.users WHERE phone_number IS DISTINCT FROM ${BACKFILL}`))[0].n,
    constraints: await q(`SELECT conname, contype, convalidated, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'auth.users'::regclass ORDER BY conname`),
    indexes: await q(`SELECT indexrelid::regclass::text AS name, indisvalid, pg_get_indexdef(indexrelid) AS def FROM pg_index WHERE indrelid = 'auth.users'::regclass ORDER BY 1`),
  };
}
