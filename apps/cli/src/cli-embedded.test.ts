import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeMigrationsFolder } from '@big0290/testing';
import { sdk } from './__fixtures__/sdk.js';
import { MIGRATIONS, PASSWORD } from './__fixtures__/cli-db.js';

describe('the embedded default in CI', () => {
  const REFUSAL = 'error: CI is set and DATABASE_URL is not (a missing CI secret?): set DATABASE_URL to the database this job is for, or pass --embedded to use a throwaway embedded PostgreSQL on purpose\n';

  it('is refused, with exit 2 and one line naming DATABASE_URL and --embedded, by every command that would use it', async () => {
    const project = await mkdtemp(join(tmpdir(), 'sdk-ci-'));
    try {
      await writeFile(join(project, 'pnpm-workspace.yaml'), 'packages: []\n');
      const folder = await writeMigrationsFolder(MIGRATIONS.slice(0, 1));
      const archive = join(project, 'a.dump');
      const commands = [
        ['db', 'migrate', '--migrations', folder],
        ['db', 'status', '--migrations', folder],
        ['db', 'repair', '--migrations', folder],
        ['db', 'plan', '--migrations', folder],
        ['db', 'backup'],
        ['db', 'verify-backup', archive],
        ['db', 'restore', archive, '--yes'],
        ['db', 'backfill', '--table', 'items', '--set', 'v = 1'],
        ['db', 'backfills'],
        ['db', 'locks'],
        ['db', 'maintenance', 'status'],
      ];
      const runs = await Promise.all(commands.map((args) => sdk(args, { cwd: project, env: { CI: 'true' } })));
      runs.forEach((run, i) => expect(run, `sdk ${commands[i]!.join(' ')}`).toEqual({ code: 2, stdout: '', stderr: REFUSAL }));
      // Any value but false and 0 means CI (services write true, 1, or their own name).
      for (const value of ['1', 'woodpecker']) expect(await sdk(commands[0]!, { cwd: project, env: { CI: value } })).toEqual({ code: 2, stdout: '', stderr: REFUSAL });
      expect(JSON.parse((await sdk(['db', 'migrate', '--json', '--migrations', folder], { cwd: project, env: { CI: 'true' } })).stdout)).toEqual({
        error: { code: 'E_USAGE', message: REFUSAL.slice('error: '.length, -1), hint: null },
      });
      // Nothing was started or created.
      expect(existsSync(join(project, '.sdk'))).toBe(false);
      // Reading files needs no database: lint is not refused.
      const lint = await sdk(['db', 'lint', folder], { cwd: project, env: { CI: 'true' } });
      expect(lint.code).toBe(0);
      // --embedded and --database-url name two databases.
      const both = await sdk(['db', 'migrate', '--embedded', '--database-url', 'postgres://u@127.0.0.1:1/db', '--migrations', folder], { cwd: project });
      expect(both).toEqual({ code: 2, stdout: '', stderr: 'error: --embedded and --database-url name two different databases: pass one of them\n' });
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });
});

describe('the embedded default', () => {
  it('starts a local PostgreSQL under .sdk/ when no DATABASE_URL is set, and keeps its data', async () => {
    const project = await mkdtemp(join(tmpdir(), 'sdk-project-'));
    await chmod(project, 0o755);
    try {
      await writeFile(join(project, 'pnpm-workspace.yaml'), 'packages: []\n');
      const folder = await writeMigrationsFolder(MIGRATIONS);
      const migrate = await sdk(['db', 'migrate', '--migrations', folder], { cwd: project });
      expect(migrate.code).toBe(0);
      const notices = migrate.stderr.split('\n').filter((line) => line.includes('embedded PostgreSQL'));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/^sdk: no DATABASE_URL; using the embedded PostgreSQL in \.sdk\/postgres \(port \d+\)\. Set DATABASE_URL to target another database\.$/);
      expect(migrate.stdout).toMatch(/^Applied 3 migrations/);
      // The data persists; the server was stopped when the command ended.
      expect(existsSync(join(project, '.sdk', 'postgres', 'PG_VERSION'))).toBe(true);
      expect(existsSync(join(project, '.sdk', 'postgres', 'postmaster.pid'))).toBe(false);
      expect((await stat(join(project, '.sdk'))).mode & 0o777).toBe(0o755);
      const { port } = JSON.parse(await readFile(join(project, '.sdk', 'embedded.json'), 'utf8'));

      // A start lock left by a killed sdk process is taken over (CI=false is a person's machine).
      await writeFile(join(project, '.sdk', 'start.lock'), '999999999');
      const status = await sdk(['db', 'status', '--json', '--migrations', folder], { cwd: project, env: { CI: 'false' } });
      expect(status.code).toBe(0);
      expect(status.stderr).toContain(`(port ${port})`);
      expect(JSON.parse(status.stdout).migrations.every((m: { state: string }) => m.state === 'applied')).toBe(true);
      expect(JSON.parse(status.stdout).target).toMatch(/^postgres:\/\/postgres:\*\*\*\*@127\.0\.0\.1:\d+\/app$/);

      // In CI only --embedded reaches it, and it wins over a DATABASE_URL.
      const unreachable = `postgres://sdk_cli:${PASSWORD}@127.0.0.1:1/db`;
      const ci = await sdk(['db', 'status', '--json', '--embedded', '--migrations', folder], { cwd: project, env: { CI: 'true', DATABASE_URL: unreachable } });
      expect(ci.code).toBe(0);
      expect(ci.stderr).toBe(`sdk: --embedded: using the embedded PostgreSQL in .sdk/postgres (port ${port}).\n`);
      expect(JSON.parse(ci.stdout).migrations.every((m: { state: string }) => m.state === 'applied')).toBe(true);

      // Two runs at once share one server; neither stops it under the other.
      const more = await writeMigrationsFolder([...MIGRATIONS, { tag: '0003_slow', sql: 'SELECT pg_sleep(1.5);' }]);
      const pending = await sdk(['db', 'status', '--migrations', more], { cwd: project });
      expect(pending.code).toBe(1);
      expect(pending.stdout).toContain('Needs attention: 1 pending');
      const both = await Promise.all([0, 1].map(() => sdk(['db', 'migrate', '--json', '--migrations', more], { cwd: project })));
      expect(both.map((r) => r.code)).toEqual([0, 0]);
      expect(both.map((r) => JSON.parse(r.stdout).applied.length).sort()).toEqual([0, 1]);
      expect(existsSync(join(project, '.sdk', 'postgres', 'postmaster.pid'))).toBe(false);
      expect(existsSync(join(project, '.sdk', 'start.lock'))).toBe(false);
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  }, 180_000);
  it('two first runs at once initialise one server between them and both succeed', async () => {
    const project = await mkdtemp(join(tmpdir(), 'sdk-project-'));
    await chmod(project, 0o755);
    try {
      await writeFile(join(project, 'pnpm-workspace.yaml'), 'packages: []\n');
      const folder = await writeMigrationsFolder(MIGRATIONS.slice(0, 1));
      const runs = await Promise.all([0, 1].map(() => sdk(['db', 'migrate', '--json', '--migrations', folder], { cwd: project })));
      expect(runs.map((r) => r.code)).toEqual([0, 0]);
      expect(runs.map((r) => JSON.parse(r.stdout).applied.length).sort()).toEqual([0, 1]);
      const ports = runs.map((r) => /\(port (\d+)\)/.exec(r.stderr)?.[1]);
      expect(ports[0]).toBeDefined();
      expect(ports[1]).toBe(ports[0]);
      expect(existsSync(join(project, '.sdk', 'postgres', 'postmaster.pid'))).toBe(false);
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  }, 180_000);
});
