import { randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, replicaUnavailableReason, startReplicaPair, waitFor, writeMigrationsFolder, type MigrationSpec, type ReplicaPair, type TestDatabase } from '@big0290/testing';
import { migrate } from '../data-migrations/index.js';
import { deploy, DeployRefusedError } from './index.js';
import { preflight } from './preflight.js';

/**
 * The preflight's server checks on a real PostgreSQL: a pg_dump or a table rewrite running in
 * another session, replica lag (on a real primary/standby pair where the server binaries are
 * installed), free disk on the data directory's filesystem or why it was skipped.
 */

const CREATE_ACCOUNTS: MigrationSpec = {
  tag: '0000_accounts',
  sql: 'CREATE TABLE "accounts" ("id" integer PRIMARY KEY NOT NULL, "email" text NOT NULL);',
  tables: { accounts: [['id', 'integer', true, true], ['email', 'text', true]] },
};
const ADD_NAME: MigrationSpec = {
  tag: '0001_name',
  sql: 'ALTER TABLE "accounts" ADD COLUMN "name" text;',
  tables: { accounts: [['id', 'integer', true, true], ['email', 'text', true], ['name', 'text', false]] },
};

const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => {});
});

async function session(url: string, applicationName?: string): Promise<{ client: pg.Client; pid: number }> {
  const client = new pg.Client({ connectionString: url, ...(applicationName ? { application_name: applicationName } : {}) });
  await client.connect();
  client.on('error', () => {});
  cleanup.push(() => client.end());
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  return { client, pid };
}

const run = (databaseUrl: string, migrationsFolder: string, extra: { maxReplicaLagMs?: number } = {}) =>
  preflight({ databaseUrl, migrationsFolder, phase: 'all', allowLintErrors: false, longTransactionMs: undefined, window: undefined, now: new Date(), ...extra });

async function ready(prefix: string): Promise<{ db: TestDatabase; folder: string }> {
  const db = await createTestDatabase(prefix);
  cleanup.push(() => db.drop());
  const folder = await writeMigrationsFolder([CREATE_ACCOUNTS, ADD_NAME]);
  await migrate({ databaseUrl: db.url, migrationsFolder: folder, to: '0000_accounts' });
  return { db, folder };
}

const activeQuery = (db: TestDatabase, pid: number, pattern: RegExp) =>
  waitFor(`pid ${pid} running ${pattern}`, async () => {
    const { rows } = await db.pool.query<{ query: string; state: string }>('SELECT query, state FROM pg_stat_activity WHERE pid = $1', [pid]);
    return rows[0]?.state === 'active' && pattern.test(rows[0].query);
  });

describe('preflight: a dump or a table rewrite running', () => {
  it('refuses while a VACUUM FULL waits for its lock, naming its pid (deploy, nothing changed)', async () => {
    const { db, folder } = await ready('pf_vacuum_wait');
    await db.pool.query('CREATE TABLE other (id int)');
    const reader = await session(db.url);
    await reader.client.query('BEGIN; SELECT * FROM other');
    const vacuum = await session(db.url);
    const running = vacuum.client.query('VACUUM FULL other').catch((e: Error) => e);
    await activeQuery(db, vacuum.pid, /VACUUM FULL/);

    const error = await deploy({ databaseUrl: db.url, migrationsFolder: folder, backupDir: '/nonexistent' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployRefusedError);
    const problems = (error as DeployRefusedError).problems;
    expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^pid ${vacuum.pid} \\(postgres\\) is running VACUUM FULL, waiting for its lock, for \\d+ s: .*cancel\`? ${vacuum.pid}\\)$`)));
    // One line for it: not again as a long transaction or lock holder.
    expect(problems.filter((p) => p.includes(`pid ${vacuum.pid} `))).toHaveLength(1);
    expect((error as DeployRefusedError).report.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['preflight:failed', 'backup:skipped', 'maintenance-on:skipped', 'migrate:skipped', 'verify:skipped', 'maintenance-off:skipped']);

    await reader.client.query('ROLLBACK');
    expect(await running).not.toBeInstanceOf(Error);
    expect((await run(db.url, folder)).problems).toEqual([]);
  });

  it('refuses while a VACUUM FULL rewrites a table (pg_stat_progress_cluster), naming the table and the pid', async () => {
    const { db, folder } = await ready('pf_vacuum_run');
    // An index whose expression sleeps when the session asks: rebuilding it keeps the VACUUM FULL in progress.
    await db.pool.query(`CREATE FUNCTION slow_id(int) RETURNS int IMMUTABLE LANGUAGE sql AS $$ SELECT pg_sleep(coalesce(nullif(current_setting('sdk.sleep', true), ''), '0')::float8); SELECT $1 $$`);
    await db.pool.query('CREATE TABLE slow (id int); INSERT INTO slow SELECT generate_series(1, 20); CREATE INDEX ON slow (slow_id(id))');
    const vacuum = await session(db.url);
    await vacuum.client.query("SET sdk.sleep = '1'");
    const running = vacuum.client.query('VACUUM FULL slow').catch((e: Error) => e);
    await waitFor('the VACUUM FULL in pg_stat_progress_cluster', async () => (await db.pool.query('SELECT 1 FROM pg_stat_progress_cluster WHERE pid = $1', [vacuum.pid])).rowCount === 1);

    const found = await run(db.url, folder);
    expect(found.problems).toEqual([expect.stringMatching(new RegExp(`^pid ${vacuum.pid} \\(postgres\\) is running VACUUM FULL of slow \\([a-z ]+\\), for \\d+ s: it holds an ACCESS EXCLUSIVE lock`))]);

    await db.pool.query('SELECT pg_cancel_backend($1)', [vacuum.pid]);
    expect(await running).toBeInstanceOf(Error);
  });

  it('refuses while a client named pg_dump runs a COPY ... TO STDOUT, naming its pid', async () => {
    const { db, folder } = await ready('pf_dump');
    const dump = await session(db.url, 'pg_dump');
    await dump.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const running = dump.client.query('COPY (SELECT pg_sleep(30)) TO STDOUT').catch((e: Error) => e);
    await activeQuery(db, dump.pid, /^COPY/);

    const found = await run(db.url, folder);
    expect(found.problems).toEqual([
      `pid ${dump.pid} (postgres, pg_dump) is running a pg_dump, for ${/for (\d+) s/.exec(found.problems[0] ?? '')?.[1]} s, now: COPY (SELECT pg_sleep(30)) TO STDOUT: it holds a lock on every table it dumps until it ends, so the migrations would queue behind it; let it finish (deploy takes its own backup), or end it (\`sdk db locks\` with \`terminate\` ${dump.pid})`,
    ]);

    await db.pool.query('SELECT pg_cancel_backend($1)', [dump.pid]);
    expect(await running).toBeInstanceOf(Error);
  });
});

describe('preflight: the application at work', () => {
  it("is not refused by the application's short statements holding locks on the touched tables, only by a transaction that stays", async () => {
    const { db, folder } = await ready('pf_busy');
    await db.pool.query("INSERT INTO accounts SELECT i, 'u' || i FROM generate_series(1, 100) i");
    // Three clients in tight loops, as an application: autocommit updates and reads of the table.
    const clients = await Promise.all([1, 2, 3].map(() => session(db.url)));
    let running = true;
    const loops = clients.map(async ({ client }, i) => {
      let n = 0;
      while (running) {
        n++;
        if (i === 0) await client.query('SELECT email FROM accounts WHERE id = $1', [(n % 100) + 1]);
        else await client.query('UPDATE accounts SET email = email WHERE id = $1', [(n % 100) + 1]);
      }
      return n;
    });
    try {
      for (let i = 0; i < 4; i++) {
        const found = await run(db.url, folder);
        expect(found.problems).toEqual([]);
      }
      // A transaction that stays, among them, is still found.
      const idle = await session(db.url);
      await idle.client.query('BEGIN; SELECT 1 FROM accounts WHERE id = 1');
      const found = await run(db.url, folder);
      expect(found.problems).toEqual([expect.stringMatching(new RegExp(`^session pid ${idle.pid} .*holds ACCESS SHARE on public\\.accounts`))]);
      await idle.client.query('ROLLBACK');
    } finally {
      running = false;
    }
    expect((await Promise.all(loops)).every((n) => n > 10)).toBe(true);
  });
});

describe('preflight: free disk', () => {
  it('reads the free space of the data directory of a server on this machine (as a superuser)', async () => {
    const { db, folder } = await ready('pf_disk');
    const found = await run(db.url, folder);
    expect(found.problems).toEqual([]);
    const disk = found.notes.find((n) => n.startsWith('disk: '));
    // The server may run on another machine (a container): then the check says it was skipped, and
    // why. When its data directory is readable here, it is this server's, and it must be read.
    const dir = (await db.pool.query<{ setting: string }>("SELECT setting FROM pg_settings WHERE name = 'data_directory'")).rows[0]!.setting;
    const local = await access(join(dir, 'postmaster.pid')).then(() => true, () => false);
    if (local) expect(disk).toMatch(/^disk: \d+\.\d (MiB|GiB) free on the data directory's filesystem; largest table the migrations touch: accounts, \d+\.\d MiB$/);
    else expect(disk).toMatch(/^disk: skipped: .+ \(df .+\)$/);
  });

  it('is skipped, saying why, for a role that cannot see the data directory', async () => {
    const { db, folder } = await ready('pf_disk_role');
    const role = `pf_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    await db.pool.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'; GRANT ALL ON SCHEMA public TO ${role}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
    cleanup.push(async () => {
      await db.pool.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
    });
    // What a read-only deploy role gets: the application's and the migrator's schemas, nothing more.
    await db.pool.query(`DO $$ DECLARE s text; BEGIN
      FOR s IN SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' LOOP
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${role}; GRANT SELECT ON ALL TABLES IN SCHEMA %I TO ${role}', s, s);
      END LOOP; END $$`);
    const url = new URL(db.url);
    url.username = role;
    url.password = password;
    const found = await run(url.toString(), folder);
    expect(found.notes).toContain('disk: skipped: needs superuser or pg_read_all_settings to see the data directory (PostgreSQL has no SQL function for free disk space)');
  });
});

const reason = replicaUnavailableReason();
if (reason) console.warn(`preflight.test.ts: skipping the replica-lag preflight test: ${reason}`);

describe.skipIf(!!reason)(`preflight on a primary with a streaming replica${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let pair: ReplicaPair;
  let primary: pg.Client;
  beforeAll(async () => {
    pair = await startReplicaPair();
    primary = new pg.Client({ connectionString: pair.primaryUrl });
    await primary.connect();
  }, 120_000);
  afterAll(async () => {
    await primary?.end().catch(() => {});
    await pair?.stop();
  });

  it('reports the lag while the replica keeps up, and refuses once it lags more than the bound', async () => {
    const folder = await writeMigrationsFolder([CREATE_ACCOUNTS]);
    const caughtUp = await run(pair.primaryUrl, folder);
    expect(caughtUp.problems).toEqual([]);
    expect(caughtUp.notes).toContainEqual(expect.stringMatching(/^replica lag: \d+\.\d s \(bound 10\.0 s\)$/));

    await pair.pauseReplay();
    try {
      await waitFor('a replay lag over 500 ms on the primary', async () => {
        await primary.query('CREATE TEMP TABLE IF NOT EXISTS wal_tick (n int); INSERT INTO wal_tick VALUES (1); SELECT pg_switch_wal()');
        const { rows } = await primary.query('SELECT (extract(epoch FROM replay_lag) * 1000)::float8 AS ms FROM pg_stat_replication');
        return (rows[0]?.ms ?? 0) > 500;
      });
      const lagging = await run(pair.primaryUrl, folder, { maxReplicaLagMs: 300 });
      expect(lagging.problems).toEqual([expect.stringMatching(/^a streaming replica lags \d+\.\d s behind, more than 0\.3 s: .*wait for it to catch up/)]);
    } finally {
      await pair.resumeReplay();
    }
  }, 120_000);
});
