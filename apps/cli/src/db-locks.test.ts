import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor, type TestDatabase } from '@big0290/testing';
import { BIN, childEnv, sdk } from './__fixtures__/sdk.js';
import { asCliUser, expectNoPassword, freshDb, useCliRole } from './__fixtures__/cli-db.js';

useCliRole();

const clients: pg.Client[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => {})));
});

async function session(url: string): Promise<pg.Client & { pid: number }> {
  const client = new pg.Client({ connectionString: url, application_name: 'app' });
  client.on('error', () => {});
  await client.connect();
  clients.push(client);
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return Object.assign(client, { pid: rows[0]!.pid });
}

const waiting = async (db: TestDatabase, pid: number) =>
  (await db.pool.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [pid])).rowCount === 1;

/** The application holds a row lock in an open transaction; an ALTER TABLE queues behind it; a reader queues behind the ALTER. */
async function blockedChain(db: TestDatabase) {
  await db.pool.query('CREATE TABLE orders (id int PRIMARY KEY, v int); INSERT INTO orders VALUES (1, 0)');
  const holder = await session(db.url);
  const alter = await session(db.url);
  const reader = await session(db.url);
  await holder.query('BEGIN');
  await holder.query('UPDATE orders SET v = 1 WHERE id = 1');
  const altered = alter.query('ALTER TABLE orders ADD COLUMN note text');
  altered.catch(() => {});
  await waitFor('the ALTER waits', () => waiting(db, alter.pid));
  const read = reader.query('SELECT count(*) FROM orders');
  read.catch(() => {});
  await waitFor('the reader waits', () => waiting(db, reader.pid));
  return { holder, alter, reader, altered, read };
}

const alive = async (db: TestDatabase, pid: number) => (await db.pool.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 1;

describe('sdk db locks', () => {
  it('shows the blocking tree, the waits and the idle-in-transaction holder, as text and as one JSON object, without the password', async () => {
    const db = await freshDb();
    const { holder, alter, reader } = await blockedChain(db);
    const env = { DATABASE_URL: asCliUser(db) };
    const json = await sdk(['db', 'locks', '--json'], { env });
    expect(json).toMatchObject({ code: 0, stderr: '' });
    const report = JSON.parse(json.stdout);
    expect(report.blocking).toEqual([
      expect.objectContaining({
        pid: holder.pid,
        state: 'idle in transaction',
        blocks: [expect.objectContaining({ pid: alter.pid, waitingFor: 'AccessExclusiveLock on orders', blocks: [expect.objectContaining({ pid: reader.pid, blocks: [] })] })],
      }),
    ]);
    expect(report.waiting.map((s: { pid: number }) => s.pid).sort()).toEqual([alter.pid, reader.pid].sort());
    expect(report.idleInTransaction.map((s: { pid: number }) => s.pid)).toEqual([holder.pid]);
    expect(report.target).toContain('sdk_cli:****@');

    const text = await sdk(['db', 'locks'], { env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^  pid ${holder.pid} idle in transaction \\d+ s, postgres \\(app\\), transaction open \\d+ s: UPDATE orders SET v = 1 WHERE id = 1$`, 'm'));
    expect(text.stdout).toMatch(new RegExp(`^  └─ pid ${alter.pid} waiting \\d+ s for AccessExclusiveLock on orders, .*: ALTER TABLE orders ADD COLUMN note text$`, 'm'));
    expect(text.stdout).toMatch(new RegExp(`^     └─ pid ${reader.pid} waiting \\d+ s for AccessShareLock on orders, .*: SELECT count\\(\\*\\) FROM orders$`, 'm'));
    expect(text.stdout).toContain('Idle in transaction (holding their locks, holding back VACUUM):\n  pid');
    expectNoPassword(json);
    expectNoPassword(text);
  });

  it('--cancel PID --yes cancels a waiting query; --terminate PID --yes ends the idle-in-transaction holder and what waited runs', async () => {
    const db = await freshDb();
    const { holder, reader, read, altered } = await blockedChain(db);
    const env = { DATABASE_URL: asCliUser(db) };
    const cancel = await sdk(['db', 'locks', '--cancel', String(reader.pid), '--yes'], { env });
    expect(cancel).toMatchObject({ code: 0, stdout: `Cancelled the query of pid ${reader.pid} (SELECT count(*) FROM orders).\n` });
    await expect(read).rejects.toMatchObject({ code: '57014' });
    expect(await alive(db, reader.pid)).toBe(true);
    const terminate = await sdk(['db', 'locks', '--terminate', String(holder.pid), '--yes', '--json'], { env });
    expect(terminate.code).toBe(0);
    expect(JSON.parse(terminate.stdout)).toMatchObject({ pid: holder.pid, action: 'terminate', confirmed: true, signalled: true, ended: true });
    await altered;
    expect(await alive(db, holder.pid)).toBe(false);
    expectNoPassword(terminate);
  });

  it('refuses, with one line and nothing done: a pid that does not exist, a session of another database, a server process; without a terminal it needs --yes', async () => {
    const db = await freshDb();
    const other = await freshDb();
    const elsewhere = await session(other.url);
    const mine = await session(db.url);
    await mine.query('BEGIN');
    await mine.query('SELECT 1');
    const env = { DATABASE_URL: asCliUser(db) };
    const missing = await sdk(['db', 'locks', '--terminate', '2147483647', '--yes'], { env });
    expect(missing).toMatchObject({ code: 1, stdout: '', stderr: 'error: no session with pid 2147483647 on this server: nothing was done\nhint: list the sessions with `sdk db locks` and use a pid from there\n' });
    const foreign = await sdk(['db', 'locks', '--terminate', String(elsewhere.pid), '--yes'], { env });
    expect(foreign).toMatchObject({ code: 1, stdout: '' });
    expect(foreign.stderr).toMatch(new RegExp(`^error: refused to terminate pid ${elsewhere.pid}: it is connected to database ${other.name}, not to ${db.name}; nothing was done\\nhint: .*\\n$`));
    const { rows } = await db.pool.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'");
    const server = await sdk(['db', 'locks', '--cancel', String(rows[0]!.pid), '--yes'], { env });
    expect(server).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: refused to cancel pid \d+: it is connected to no database, not to /) });
    const unasked = await sdk(['db', 'locks', '--terminate', String(mine.pid)], { env });
    expect(unasked).toMatchObject({ code: 2, stderr: 'error: --terminate asks for confirmation and there is no terminal to ask on: add --yes to terminate without asking\n' });
    const both = await sdk(['db', 'locks', '--watch', '--cancel', String(mine.pid), '--yes'], { env });
    expect(both.code).toBe(2);
    expect(await alive(db, elsewhere.pid)).toBe(true);
    expect(await alive(db, mine.pid)).toBe(true);
  });

  it('--watch --json prints one report a second until Ctrl-C, then exits 0', async () => {
    const db = await freshDb();
    const child = spawn(process.execPath, [BIN, 'db', 'locks', '--watch', '--json'], { cwd: tmpdir(), env: childEnv({ DATABASE_URL: asCliUser(db) }) });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor('two reports', () => stdout.split('\n').filter(Boolean).length >= 2, 10_000);
    child.kill('SIGINT');
    expect(await closed).toBe(0);
    const reports = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));
    expect(reports[0]).toMatchObject({ database: db.name, blocking: [], waiting: [] });
    expect(Date.parse(reports[1].at) - Date.parse(reports[0].at)).toBeGreaterThanOrEqual(900);
  });

  // util-linux `script` gives the command a terminal (a pseudo-terminal) on stdin and stdout.
  it.skipIf(spawnSync('script', ['--version']).status !== 0)('at a terminal, shows the session and asks: no leaves it alone, yes terminates it', async () => {
    const db = await freshDb();
    const idle = await session(db.url);
    await idle.query('BEGIN');
    await idle.query("SELECT 'held'");
    const run = async (answer: string) => {
      const command = `${process.execPath} ${BIN} db locks --terminate ${idle.pid}`;
      const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: tmpdir(), env: childEnv({ DATABASE_URL: asCliUser(db) }), stdio: ['pipe', 'pipe', 'pipe'] });
      let output = '';
      let answered = false;
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (!answered && output.includes(`Terminate pid ${idle.pid}? [y/N]`)) {
          answered = true;
          child.stdin.write(`${answer}\r`);
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      return { code, output };
    };
    const no = await run('n');
    expect(no.output).toContain(`pid ${idle.pid}: idle in transaction`);
    expect(no.output).toContain("SELECT 'held'");
    expect(no.output).toContain('The session ends and its open transaction rolls back.');
    expect(no.output).toContain(`Nothing was done: pid ${idle.pid} was left alone.`);
    expect(no.code).toBe(1);
    expect(await alive(db, idle.pid)).toBe(true);
    const yes = await run('y');
    expect(yes.output).toContain(`Terminated pid ${idle.pid}: its session ended and its transaction rolled back.`);
    expect(yes.code).toBe(0);
    expect(await alive(db, idle.pid)).toBe(false);
  });
});

describe('sdk db maintenance', () => {
  it('on with a message, status, off: stored in the database with who and when; --message only with on', async () => {
    const db = await freshDb();
    const env = { DATABASE_URL: asCliUser(db) };
    const before = await sdk(['db', 'maintenance', 'status'], { env });
    expect(before).toMatchObject({ code: 0, stdout: 'Maintenance mode off: never turned on for this database.\n' });
    const on = await sdk(['db', 'maintenance', 'on', '--message', 'Back at 02:30 UTC', '--json'], { env });
    expect(on.code).toBe(0);
    expect(JSON.parse(on.stdout)).toMatchObject({ enabled: true, message: 'Back at 02:30 UTC', changedAt: expect.any(String), changedBy: { dbUser: 'sdk_cli' } });
    expect((await db.pool.query('SELECT enabled, message FROM sdk_migrator.maintenance')).rows).toEqual([{ enabled: true, message: 'Back at 02:30 UTC' }]);
    const status = await sdk(['db', 'maintenance', 'status'], { env });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^Maintenance mode on: turned on by .* \(database role sdk_cli\) \d+ s ago \(.*\)\.\nMessage: Back at 02:30 UTC\n/);
    const wrong = await sdk(['db', 'maintenance', 'off', '--message', 'x'], { env });
    expect(wrong).toMatchObject({ code: 2, stderr: 'error: --message goes with `sdk db maintenance on`, not off\n' });
    const off = await sdk(['db', 'maintenance', 'off'], { env });
    expect(off).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Maintenance mode is now off: turned off by /) });
    const after = await sdk(['db', 'maintenance', 'status', '--json'], { env });
    expect(JSON.parse(after.stdout)).toMatchObject({ enabled: false, message: null });
    const bad = await sdk(['db', 'maintenance', 'maybe'], { env });
    expect(bad.code).toBe(2);
    for (const run of [on, status, off, after]) expectNoPassword(run);
  });
});
