import { execFileSync } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, writeMigrationsFolder, type MigrationSpec, type TestDatabase } from '@big0290/testing';
import { migrate, repair } from './index.js';
import { status } from '../status.js';

const dbs: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
});

const BASE: MigrationSpec[] = [
  { tag: '0000_t', sql: 'CREATE TABLE "t" ("id" int PRIMARY KEY);\n--> statement-breakpoint\nALTER TABLE "t" ADD COLUMN "a" int;' },
  { tag: '0001_b', sql: 'ALTER TABLE "t" ADD COLUMN "b" int;' },
];
const NEXT: MigrationSpec = { tag: '0002_c', sql: 'ALTER TABLE "t" ADD COLUMN "c" int;' };

async function applied(specs: MigrationSpec[] = BASE): Promise<{ db: TestDatabase; folder: string }> {
  const db = await createTestDatabase('edits');
  dbs.push(db);
  const folder = await writeMigrationsFolder(specs);
  await migrate({ databaseUrl: db.url, migrationsFolder: folder });
  return { db, folder };
}

function gitInit(folder: string): void {
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: folder, stdio: 'ignore' });
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'migrations');
}

describe('an applied migration edited afterwards', () => {
  it('with comments and whitespace only, is reported as such and blocks nothing', async () => {
    const { db, folder } = await applied();
    await writeMigrationsFolder([...BASE, NEXT], folder);
    const file = join(folder, '0000_t.sql');
    await writeFile(file, `-- sdk-lint-ignore adding-required-column: the table was empty\n${BASE[0]!.sql.replace('int PRIMARY KEY', 'INT  PRIMARY KEY')}\n`);
    const report = await status({ databaseUrl: db.url, migrationsFolder: folder });
    expect(report.migrations[0]).toMatchObject({ tag: '0000_t', state: 'applied', edit: { change: 'comments' } });
    const result = await migrate({ databaseUrl: db.url, migrationsFolder: folder });
    expect(result.applied.map((a) => a.tag)).toEqual(['0002_c']);
  });

  it('in a statement, still blocks, and says so; the hint says the file is not tracked by git', async () => {
    const { db, folder } = await applied();
    await writeFile(join(folder, '0001_b.sql'), 'ALTER TABLE "t" ADD COLUMN "b" bigint;');
    const error = await migrate({ databaseUrl: db.url, migrationsFolder: folder }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_CHECKSUM', message: expect.stringContaining('0001_b was edited after it was applied: its statements changed') });
    expect((error as { hint: string }).hint).toContain('is not tracked by git');
    expect((error as { hint: string }).hint).toContain('`sdk db repair` with `accept` 0001_b');
  });

  it('tracked by git: the hint says git checkout, and the statements that changed are named from the applied text in git', async () => {
    const { db, folder } = await applied();
    gitInit(folder);
    await writeFile(join(folder, '0000_t.sql'), BASE[0]!.sql.replace('"a" int', '"a" text'));
    const error = await migrate({ databaseUrl: db.url, migrationsFolder: folder }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_CHECKSUM', message: expect.stringContaining('was edited after it was applied: statement 2 changed') });
    expect((error as { hint: string }).hint).toContain(`git checkout -- ${join(folder, '0000_t.sql')}`);
  });

  it('applied by an older version (no statement hash recorded): a comment-only edit is recognised from the text in git', async () => {
    const { db, folder } = await applied();
    gitInit(folder);
    await db.pool.query('UPDATE sdk_migrator.migrations SET tree_hash = NULL');
    await appendFile(join(folder, '0001_b.sql'), '\n-- the app reads b since v2.1\n');
    const report = await status({ databaseUrl: db.url, migrationsFolder: folder });
    expect(report.migrations[1]).toMatchObject({ tag: '0001_b', state: 'applied', edit: { change: 'comments', tracked: true } });
    expect(report.needsAttention).toBe(false);
  });
});

describe('sdk db repair', () => {
  it('lists edited applied migrations, and --accept records the current hash in both tables with an audit record', async () => {
    const { db, folder } = await applied();
    await writeFile(join(folder, '0001_b.sql'), 'ALTER TABLE "t" ADD COLUMN "b" bigint;');
    const listed = await repair({ databaseUrl: db.url, migrationsFolder: folder });
    expect(listed).toMatchObject({ accepted: [], edited: [{ tag: '0001_b', edit: { change: 'statements', tracked: false } }] });
    const accepted = await repair({ databaseUrl: db.url, migrationsFolder: folder, accept: ['0001_b'] });
    expect(accepted.accepted).toEqual(['0001_b']);
    const { rows } = await db.pool.query(
      "SELECT (SELECT hash FROM sdk_migrator.migrations WHERE tag = '0001_b') AS ours, (SELECT hash FROM drizzle.__drizzle_migrations ORDER BY created_at DESC LIMIT 1) AS theirs",
    );
    expect(rows[0].ours).toBe(listed.edited[0]!.fileHash);
    expect(rows[0].theirs).toBe(listed.edited[0]!.fileHash);
    const { rows: history } = await db.pool.query('SELECT phase, outcome, migrations FROM sdk_migrator.history ORDER BY id DESC LIMIT 1');
    expect(history[0]).toEqual({ phase: 'repair', outcome: 'repaired', migrations: ['0001_b'] });
    expect((await migrate({ databaseUrl: db.url, migrationsFolder: folder })).applied).toEqual([]);
    expect((await repair({ databaseUrl: db.url, migrationsFolder: folder })).edited).toEqual([]);
  });

  it('refuses to accept a migration that is not edited, or unknown, changing nothing', async () => {
    const { db, folder } = await applied();
    await expect(repair({ databaseUrl: db.url, migrationsFolder: folder, accept: ['0001_b'] })).rejects.toMatchObject({ code: 'E_CONFIG' });
    await expect(repair({ databaseUrl: db.url, migrationsFolder: folder, accept: ['nope'] })).rejects.toMatchObject({ code: 'E_CONFIG' });
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM sdk_migrator.history WHERE phase = 'repair'");
    expect(rows[0].n).toBe(0);
  });
});
