import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@big0290/testing';
import { migrate, status } from '@big0290/migrator';
import { migrationsFolder } from './paths.js';

const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs the real drizzle-kit CLI of this package against `url`. */
function drizzleKitMigrate(url: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(PACKAGE, 'node_modules', 'drizzle-kit', 'bin.cjs'), 'migrate', '--config', 'drizzle.config.ts'],
      { cwd: PACKAGE, env: { ...process.env, DATABASE_URL: url }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

describe('compatibility with drizzle-kit migrate, both ways', () => {
  const dbs: TestDatabase[] = [];
  beforeAll(async () => {
    dbs.push(await createTestDatabase('kit_first'), await createTestDatabase('sdk_first'));
  });
  afterAll(async () => {
    await Promise.all(dbs.map((d) => d.drop()));
  });

  it('adopts a database migrated by drizzle-kit without re-running anything', async () => {
    const db = dbs[0]!;
    const kit = await drizzleKitMigrate(db.url);
    expect(kit.code).toBe(0);
    const result = await migrate({ databaseUrl: db.url, migrationsFolder });
    expect(result.applied).toEqual([]);
    const report = await status({ databaseUrl: db.url, migrationsFolder });
    expect(report.migrations.every((m) => m.state === 'applied')).toBe(true);
  });

  it('leaves drizzle-kit nothing to do after sdk migrated', async () => {
    const db = dbs[1]!;
    await migrate({ databaseUrl: db.url, migrationsFolder });
    const kit = await drizzleKitMigrate(db.url);
    // Had drizzle-kit re-run 0000_init, CREATE SCHEMA "auth" would have failed.
    expect(kit.code).toBe(0);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
    expect(rows[0].n).toBe(1);
  });
});
