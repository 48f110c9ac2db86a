import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { METADATA_SCHEMA, DRIZZLE_SCHEMA } from '../db/metadata.js';
import { isMigratorError } from '../errors.js';
import { operationFiles } from '../phased/index.js';
import { analyzeSql } from '../sql/parse.js';
import { status } from '../status.js';
import { schemaDrift } from '../verify/index.js';

/**
 * After the migration: what should hold, one line per thing that does not. Every migration the
 * phase asked for is applied; no index is INVALID (a failed CONCURRENTLY build leaves one that
 * every write still maintains and no query uses); no constraint is NOT VALID unless a pending
 * contract of an operation in flight validates it (NOT VALID skips the check of existing rows);
 * the live schema matches drizzle-kit's snapshot of the last applied migration; the smoke
 * statements succeed, read-only, in a transaction rolled back.
 */
export async function verifyDeploy(
  client: pg.Client,
  options: { databaseUrl: string; migrationsFolder: string; dataMigrationsFolder: string | undefined; heldBack: readonly string[]; smokeSql: string | undefined },
): Promise<{ problems: string[]; checked: string[] }> {
  const problems: string[] = [];
  const checked: string[] = [];

  const report = await status({ databaseUrl: options.databaseUrl, migrationsFolder: options.migrationsFolder, dataMigrationsFolder: options.dataMigrationsFolder });
  const heldBack = new Set(options.heldBack);
  const notApplied = report.migrations.filter((m) => m.state !== 'applied' && !heldBack.has(m.tag));
  for (const m of notApplied) problems.push(`migration ${m.tag} is ${m.state}, not applied`);
  // A data migration still pending follows a migration the phase held back; any other state is a run that did not finish.
  for (const d of report.dataMigrations ?? []) {
    if (d.state !== 'finished' && (d.state !== 'pending' || heldBack.size === 0)) problems.push(`data migration ${d.name} is ${d.state}, not finished`);
  }
  const applied = report.migrations.filter((m) => m.state === 'applied').length;
  checked.push(`${applied} migration${applied === 1 ? '' : 's'} applied${heldBack.size ? ` (${heldBack.size} held back by the phase)` : ''}`);
  for (const i of report.invalidIndexes) problems.push(`index ${i.schema}.${i.name} on ${i.table} is INVALID (a failed build): drop it with DROP INDEX CONCURRENTLY and build it again`);
  checked.push('no INVALID index');

  let drift: Awaited<ReturnType<typeof schemaDrift>> | undefined;
  try {
    drift = await schemaDrift({ client, migrationsFolder: options.migrationsFolder });
    for (const item of drift.items) problems.push(`drift: ${item.message}`);
    checked.push(drift.clean ? `schema matches the snapshot of ${drift.snapshotTag}` : `schema drift against ${drift.snapshotTag}`);
  } catch (error) {
    if (!isMigratorError(error)) throw error;
    problems.push(`the schema could not be compared with drizzle-kit's snapshot: ${error.message}`);
  }

  // A NOT VALID constraint is expected only when a pending contract of an operation in flight validates it.
  const validatedLater = new Set<string>();
  if (drift && drift.operationsInFlight.length > 0) {
    const files = (await operationFiles(options.migrationsFolder)).filter((f) => drift.operationsInFlight.includes(f.name) && f.phase === 'contract');
    for (const f of files) {
      const text = await readFile(join(options.migrationsFolder, `${f.tag}.sql`), 'utf8').catch(() => '');
      for (const m of text.matchAll(/VALIDATE\s+CONSTRAINT\s+"?([^"\s;]+)"?/gi)) validatedLater.add(m[1]!);
    }
  }
  const { rows } = await client.query<{ schema: string; table: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS table, con.conname AS name
       FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT con.convalidated AND n.nspname NOT IN ($1, $2, 'pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
      ORDER BY 1, 2, 3`,
    [METADATA_SCHEMA, DRIZZLE_SCHEMA],
  );
  for (const r of rows.filter((r) => !validatedLater.has(r.name))) {
    problems.push(`constraint ${r.name} on ${r.schema}.${r.table} is NOT VALID and no pending operation validates it: existing rows were never checked; run ALTER TABLE ... VALIDATE CONSTRAINT ${r.name}`);
  }
  checked.push('no NOT VALID constraint left by accident');

  if (options.smokeSql) {
    const failed = await runSmoke(client, options.smokeSql);
    problems.push(...failed.problems);
    checked.push(`${failed.count} smoke statement${failed.count === 1 ? '' : 's'}`);
  }
  return { problems, checked };
}

/** Runs each statement of the file in one READ ONLY transaction, rolled back; a savepoint per statement so each is judged on its own. */
async function runSmoke(client: pg.Client, file: string): Promise<{ count: number; problems: string[] }> {
  const statements = await analyzeSql(await readFile(file, 'utf8'), { file });
  const problems: string[] = [];
  await client.query('BEGIN TRANSACTION READ ONLY');
  try {
    for (const s of statements) {
      await client.query('SAVEPOINT sdk_smoke');
      try {
        await client.query(s.sql);
        await client.query('RELEASE SAVEPOINT sdk_smoke');
      } catch (error) {
        await client.query('ROLLBACK TO SAVEPOINT sdk_smoke');
        problems.push(`smoke statement at ${file}:${s.line} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    await client.query('ROLLBACK');
  }
  return { count: statements.length, problems };
}
