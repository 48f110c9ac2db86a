import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@big0290/embedded';
import { writeMigrationsFolder } from '@big0290/testing';
import { BIN, childEnv, sdk, type Run } from './__fixtures__/sdk.js';

/** A project folder of its own (the embedded server lives in <project>/.sdk). */
async function project(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sdk-server-'));
  await chmod(dir, 0o755);
  await writeFile(join(dir, 'pnpm-workspace.yaml'), 'packages: []\n');
  return dir;
}

const password = (dir: string) => (JSON.parse(readFileSync(join(dir, '.sdk', 'embedded.json'), 'utf8')) as { password: string }).password;
const running = (dir: string) => existsSync(join(dir, '.sdk', 'postgres', 'postmaster.pid'));

function expectNoPassword(dir: string, ...runs: Run[]): void {
  const secret = password(dir);
  for (const run of runs) expect(run.stdout + run.stderr).not.toContain(secret);
}

/**
 * Connects as an app would, with the printed URL and the password from the passfile: in a node
 * process of its own whose environment has PGPASSFILE (node-postgres reads it there).
 */
function withoutPassword(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { PGPASSWORD: _, ...rest } = env;
  return rest;
}

async function queryWithPassfile(url: string, passfile: string): Promise<{ db: string; port: number }> {
  const script = `
    const pg = require('pg');
    const client = new pg.Client({ connectionString: process.argv[1] });
    client.connect()
      .then(() => client.query('SELECT current_database() AS db, inet_server_port() AS port'))
      .then((r) => { console.log(JSON.stringify(r.rows[0])); return client.end(); })
      .catch((e) => { console.error(e.message); process.exit(1); });`;
  const run = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
    execFile(process.execPath, ['-e', script, url], { cwd: fileURLToPath(new URL('..', import.meta.url)), env: { ...withoutPassword(process.env), PGPASSFILE: passfile } }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve({ stdout, stderr }),
    ),
  );
  return JSON.parse(run.stdout) as { db: string; port: number };
}

const MIGRATIONS = [
  { tag: '0000_init', sql: 'CREATE TABLE "users" ("id" serial PRIMARY KEY, "email" text);' },
  // Waits (at most 50 s, under the runner's 60 s statement timeout) until the test connects a
  // session named sdk-test:release: the migration is still running whatever the machine's load.
  {
    tag: '0001_slow',
    sql: `DO $$ BEGIN
  WHILE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity WHERE application_name = 'sdk-test:release')
        AND clock_timestamp() < statement_timestamp() + interval '50 seconds' LOOP
    PERFORM pg_catalog.pg_sleep(0.02);
    PERFORM pg_catalog.pg_stat_clear_snapshot();
  END LOOP;
END $$;`,
  },
];

/** Lets 0001_slow finish: connects to the project's embedded server as sdk-test:release. */
async function release(dir: string): Promise<pg.Client> {
  const port = Number(readFileSync(join(dir, '.sdk', 'postgres', 'postmaster.pid'), 'utf8').split('\n')[3]);
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: password(dir), database: 'postgres', application_name: 'sdk-test:release' });
  await client.connect();
  return client;
}

const projects: string[] = [];
afterAll(async () => {
  for (const dir of projects) {
    // Whatever a failed assertion left running.
    if (running(dir)) await sdk(['db', 'stop'], { cwd: dir });
    await rm(dir, { recursive: true, force: true });
  }
});

describe('sdk db start, url and stop', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await project();
    projects.push(dir);
  });

  it('before a start, url says it is not running and how to start it, and stop has nothing to do', async () => {
    const url = await sdk(['db', 'url'], { cwd: dir });
    expect(url).toEqual({ code: 1, stdout: '', stderr: 'error: the embedded PostgreSQL is not running\nhint: run `pnpm sdk db start`: it starts the embedded PostgreSQL (or keeps it) running until `pnpm sdk db stop`\n' });
    const stop = await sdk(['db', 'stop'], { cwd: dir });
    expect(stop).toMatchObject({ code: 0, stdout: 'The embedded PostgreSQL is not running: nothing to stop.\n' });
  });

  it('start leaves it running and prints a URL without the password; a second start says it is already running', async () => {
    const first = await sdk(['db', 'start', '--json'], { cwd: dir });
    expect(first.code).toBe(0);
    const started = JSON.parse(first.stdout);
    expect(started).toMatchObject({ alreadyRunning: false, host: '127.0.0.1', user: 'postgres', database: 'app', passfile: join(dir, '.sdk', 'pgpass') });
    expect(started.url).toBe(`postgres://postgres@127.0.0.1:${started.port}/app`);
    expect(running(dir)).toBe(true);

    const again = await sdk(['db', 'start'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`The embedded PostgreSQL ${started.serverVersion} on port ${started.port} (data in .sdk/postgres) is already running.`);
    expect(again.stdout).toContain(`URL:       ${started.url}`);
    expect(again.stdout).toContain(`PGPASSFILE=${started.passfile} psql "$(pnpm -s sdk db url)"`);
    expectNoPassword(dir, first, again);
  });

  it('url prints the URL, which connects with the passfile', async () => {
    const url = await sdk(['db', 'url'], { cwd: dir });
    expect(url.code).toBe(0);
    const printed = url.stdout.trim();
    expect(printed).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/app$/);
    const json = JSON.parse((await sdk(['db', 'url', '--json'], { cwd: dir })).stdout);
    expect(json.url).toBe(printed);
    expect(await queryWithPassfile(printed, json.passfile)).toEqual({ db: 'app', port: json.port });
    expectNoPassword(dir, url);
  });

  it('url refuses when DATABASE_URL is set: sdk commands would target that database', async () => {
    const run = await sdk(['db', 'url'], { cwd: dir, env: { DATABASE_URL: 'postgres://app:Sekr1t-pw@db.example.com/app' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('error: DATABASE_URL is set, so sdk commands target that database, not the embedded PostgreSQL\nhint: connect with $DATABASE_URL, or unset it and run `pnpm sdk db start` to use the embedded one\n');
  });

  it('stop stops it and keeps the data; url then says it is not running', async () => {
    const stop = await sdk(['db', 'stop'], { cwd: dir });
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(/^Stopped the embedded PostgreSQL \(port \d+\); its data stays in \.sdk\/postgres\.\n$/);
    expect(running(dir)).toBe(false);
    expect(existsSync(join(dir, '.sdk', 'postgres', 'PG_VERSION'))).toBe(true);
    expect((await sdk(['db', 'url'], { cwd: dir })).code).toBe(1);
    expect(JSON.parse((await sdk(['db', 'stop', '--json'], { cwd: dir })).stdout)).toEqual({ stopped: false, port: null });
  });
});

describe('commands and a server kept by sdk db start', () => {
  let dir: string;
  let folder: string;
  beforeAll(async () => {
    dir = await project();
    projects.push(dir);
    folder = await writeMigrationsFolder(MIGRATIONS.slice(0, 1));
  });

  it('a migrate after sdk db start uses the running server and leaves it running', async () => {
    const start = JSON.parse((await sdk(['db', 'start', '--json'], { cwd: dir })).stdout);
    const migrate = await sdk(['db', 'migrate', '--migrations', folder], { cwd: dir });
    expect(migrate.code).toBe(0);
    expect(migrate.stderr).toContain(`(port ${start.port})`);
    expect(migrate.stdout).toMatch(/^Applied 1 migration/);
    expect(running(dir)).toBe(true);
    const url = await sdk(['db', 'url'], { cwd: dir });
    expect(url.stdout.trim()).toBe(start.url);
    const status = await sdk(['db', 'status', '--json', '--migrations', folder], { cwd: dir });
    expect(JSON.parse(status.stdout).migrations.map((m: { state: string }) => m.state)).toEqual(['applied']);
    expect(running(dir)).toBe(true);
    expect((await sdk(['db', 'stop'], { cwd: dir })).code).toBe(0);
  });

  it('sdk db start during a command that started the server keeps it running after that command; db stop waits for the command', async () => {
    const slow = await writeMigrationsFolder(MIGRATIONS);
    expect(running(dir)).toBe(false);
    const child = spawn(process.execPath, [BIN, 'db', 'migrate', '--migrations', slow], { cwd: dir, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('→ 0001_slow')) resolve();
      });
      void exited.then(() => resolve());
    });
    const stop = await sdk(['db', 'stop'], { cwd: dir });
    expect(stop.code).toBe(1);
    expect(stop.stderr).toContain('error: another sdk command is using the embedded PostgreSQL in .sdk/postgres: stopping it now would break it');
    expect((await sdk(['db', 'url'], { cwd: dir })).stderr).toContain('error: the embedded PostgreSQL is running only for another sdk command and stops when that ends');

    const start = await sdk(['db', 'start'], { cwd: dir });
    expect(start.stdout).toContain('was already running (started by another sdk command); it now stays up when that command ends.');
    const releasing = await release(dir);
    expect(await exited).toBe(0);
    await releasing.end();
    expect(running(dir)).toBe(true);
    expect((await sdk(['db', 'url'], { cwd: dir })).code).toBe(0);
    expect((await sdk(['db', 'stop'], { cwd: dir })).code).toBe(0);
  });

  it('a command that started the server and is stopped by Ctrl-C stops the server', async () => {
    expect(running(dir)).toBe(false);
    const child = spawn(process.execPath, [BIN, 'db', 'status', '--migrations', folder], { cwd: dir, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && stderr.includes('using the embedded')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    await exited;
    expect(stderr).toContain('using the embedded PostgreSQL');
    expect(running(dir)).toBe(false);
  });
});

describe('pnpm db:studio', () => {
  it('runs drizzle-kit studio on the embedded database (started for it, stopped when it ends), never printing the password', async () => {
    const dir = await project();
    projects.push(dir);
    const port = await freePort();
    const config = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'studio', 'drizzle.config.ts');
    const child = spawn(process.execPath, [BIN, 'db', 'studio', '--config', config, '--port', String(port)], { cwd: dir, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      const read = (d: Buffer) => {
        output += d.toString();
        if (output.includes('Drizzle Studio is up and running')) resolve();
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      void exited.then(() => resolve());
    });
    expect(output).toContain(`Drizzle Studio is up and running on https://local.drizzle.studio?port=${port}`);
    const embeddedPort = Number(/\(port (\d+)\)/.exec(output)?.[1]);
    // Studio's own API, as its web page calls it: the query runs on the embedded app database.
    const response = await fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'proxy', data: { sql: 'SELECT current_database() AS db, inet_server_port() AS port', method: 'all', mode: 'object' } }),
    });
    expect(await response.json()).toEqual([{ db: 'app', port: embeddedPort }]);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(running(dir)).toBe(false);
    expect(output).not.toContain(password(dir));
  }, 120_000);
});
