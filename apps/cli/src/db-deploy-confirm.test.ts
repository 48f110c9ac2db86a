import { spawn, spawnSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { lastDeploy } from '@big0290/migrator';
import { deployProjects, type DeployProject } from './__fixtures__/deploy-project.js';
import { BIN, childEnv } from './__fixtures__/sdk.js';

/**
 * `sdk db deploy` at a terminal asks before it starts (docs/deploy.md): the built binary in a
 * pseudo-terminal, against a real PostgreSQL with real pg_dump backups.
 */

const ROLE = 'sdk_deploy_confirm_cli';
const PASSWORD = 'c0nfirm-s3cr3t-JKL';

const project = deployProjects(ROLE, PASSWORD);

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs `sdk db deploy` with a terminal on stdin and stdout (util-linux `script`), answering the prompt with `answer`. */
async function atTerminal(p: DeployProject, answer: string): Promise<{ code: number | null; output: string; asked: boolean }> {
  const command = [process.execPath, BIN, 'db', 'deploy', '--migrations', p.folder].map(quote).join(' ');
  const env = childEnv({ DATABASE_URL: p.url, SDK_BACKUP_DIR: p.backupDir, GITHUB_STEP_SUMMARY: undefined });
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: tmpdir(), env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let asked = false;
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (!asked && output.includes('[y/N]')) {
      asked = true;
      child.stdin.write(`${answer}\r`);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, output, asked };
}

const columnsOf = async (p: DeployProject) =>
  (await p.db.pool.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'accounts' ORDER BY 1")).rows.map((r) => r.column_name);

// util-linux `script` gives the command a terminal (a pseudo-terminal) on stdin and stdout.
describe.skipIf(spawnSync('script', ['--version']).status !== 0)('sdk db deploy at a terminal', () => {
  it('asks first: "n" changes nothing and makes no backup (exit 1)', async () => {
    const p = await project('cli_deploy_confirm_no');
    const no = await atTerminal(p, 'n');
    expect(no.asked).toBe(true);
    expect(no.output).toMatch(/Deploy the pending migrations \(phase all\) to postgres:\/\/sdk_deploy_confirm_cli:\*\*\*\*@[^ ]+\? \[y\/N\]/);
    expect(no.output).toContain('Deploy cancelled: nothing was changed.');
    expect(no.output).not.toContain('preflight');
    expect(no.output).not.toContain(PASSWORD);
    expect(no.code).toBe(1);
    expect(await columnsOf(p)).toEqual(['email', 'id']);
    expect(await readdir(p.backupDir)).toEqual([]);
    expect(await lastDeploy(p.db.pool)).toBeNull();
  });

  it('asks first: "y" deploys (exit 0), with a verified backup', async () => {
    const p = await project('cli_deploy_confirm_yes');
    const yes = await atTerminal(p, 'y');
    expect(yes.asked).toBe(true);
    expect(yes.output).toContain('✓ migrate');
    expect(yes.output).toMatch(/Deploy done in .*: 1 migration applied\./);
    expect(yes.output).not.toContain(PASSWORD);
    expect(yes.code).toBe(0);
    expect(await columnsOf(p)).toEqual(['email', 'id', 'name']);
    expect((await readdir(p.backupDir)).length).toBeGreaterThan(0);
    expect(await lastDeploy(p.db.pool)).toMatchObject({ outcome: 'succeeded', applied: ['0001_name'] });
  });
});
