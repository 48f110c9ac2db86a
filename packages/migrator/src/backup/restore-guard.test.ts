import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, closeGate, gateSql, waitFor, holdsStdinOf, toolsMentioning } from '@big0290/testing';
import { backup } from './backup.js';
import { restoreBackup } from './restore.js';

const GATE = `restore_guard_gate_${process.pid}`;
const hasProc = existsSync('/proc/self/fd');

let db: TestDatabase;
let dir: string;
let archive: string;

/** What the restore would change: the rows of `items` and the large object's bytes. */
async function state(): Promise<{ items: string; lo: string | null }> {
  const { rows } = await db.pool.query<{ items: string; lo: string | null }>(
    "SELECT (SELECT count(*) FROM items)::text AS items, (SELECT encode(lo_get(oid), 'escape') FROM pg_largeobject_metadata LIMIT 1) AS lo",
  );
  return rows[0]!;
}

beforeAll(async () => {
  db = await createTestDatabase('restore_guard');
  dir = await mkdtemp(join(tmpdir(), 'sdk-restore-guard-'));
  await db.pool.query("CREATE TABLE items AS SELECT g AS id FROM generate_series(1, 1000) g; SELECT lo_from_bytea(0, 'in the backup')");
  await db.pool.query(gateSql(GATE));
  archive = (await backup({ databaseUrl: db.url, backupDir: dir, output: join(dir, 'guarded.dump') })).path;
});

afterAll(async () => {
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the restore commits once, at the end, and only while sdk holds the migration lock', () => {
  it('a backup with large objects is restored in one transaction: a failure after them leaves the target as it was', async () => {
    await db.pool.query("DELETE FROM items WHERE id > 10; SELECT lo_put(oid, 0, 'changed') FROM pg_largeobject_metadata");
    const before = await state();
    const open = await closeGate(db.adminUrl, GATE, 'fail');
    try {
      await expect(restoreBackup({ path: archive, databaseUrl: db.url, confirm: async () => true })).rejects.toMatchObject({
        code: 'E_RESTORE_FAILED',
        message: expect.stringContaining('the test gate fails this statement'),
      });
    } finally {
      await open();
    }
    expect(await state()).toEqual(before);
  });

  it.skipIf(!hasProc)("a psql that reaches COMMIT after sdk's session lost the lock rolls back instead", async () => {
    await db.pool.query('DELETE FROM items WHERE id > 20');
    const before = await state();
    const open = await closeGate(db.adminUrl, GATE);
    let restoring: Promise<unknown> | undefined;
    try {
      restoring = restoreBackup({ path: archive, databaseUrl: db.url, lockTimeoutMs: 0, confirm: async () => true });
      restoring.catch(() => {});
      // psql waits at the gated index, with the rest of the script and the COMMIT in its pipe.
      const psql = await waitFor('psql to get the whole script', () => {
        const [p] = toolsMentioning('psql', db.name);
        return p && !holdsStdinOf(process.pid, p.pid) ? p : undefined;
      });
      expect(psql.ppid).toBe(process.pid);
      // sdk's session ends (as when sdk is killed): the migration lock is free again.
      // This database's only: other tests restore on the same server meanwhile.
      await db.pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sdk restore' AND datname = $1", [db.name]);
      await open();
      await expect(restoring).rejects.toMatchObject({
        code: 'E_RESTORE_FAILED',
        message: expect.stringContaining('the sdk session holding the migration lock (pid'),
      });
    } finally {
      await open();
      await restoring?.catch(() => {});
    }
    expect(await state()).toEqual(before);
  });
});
