import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checksum, manifestPathOf, MANIFEST_KIND, MANIFEST_VERSION, writeManifest, type Manifest } from './manifest.js';
import { listBackups, newestVerified, pruneBackups } from './retention.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000);

let dir: string;

/** A backup on disk: an archive with bytes and a manifest that matches it. */
async function makeBackup(name: string, options: { database?: string; days: number; verified?: boolean | 'failed'; system?: string }): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `archive ${name}`);
  const sum = await checksum(path);
  const createdAt = daysAgo(options.days).toISOString();
  const manifest: Manifest = {
    kind: MANIFEST_KIND,
    version: MANIFEST_VERSION,
    file: name,
    format: 'custom',
    ...sum,
    createdAt,
    finishedAt: createdAt,
    durationMs: 10,
    database: { name: options.database ?? 'app', systemIdentifier: options.system ?? '7300000000000000001', url: 'postgres://u:****@h/app' },
    server: { version: '15.4', versionNum: 150004 },
    pgDump: { version: '15.18', major: 15 },
    migrations: [{ tag: '0000_init', appliedAt: createdAt }],
    drizzleMigrations: 1,
    tables: [{ schema: 'public', name: 'users', rows: 3 }],
    totalRows: 3,
    verification:
      options.verified === undefined || options.verified === false
        ? null
        : { ok: options.verified === true, at: createdAt, durationMs: 5, server: 'same', scratchDatabase: 'sdk_verify_x', tablesCompared: 1, rowsCompared: 3, smoke: [], problems: options.verified === true ? [] : ['x'] },
  };
  await writeManifest(path, manifest);
  return path;
}

async function leftover(name: string, days: number): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, 'half');
  const at = daysAgo(days);
  await utimes(path, at, at);
  return path;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sdk-retention-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('listBackups', () => {
  it('lists every backup newest first, with its state, and flags leftovers', async () => {
    const ok = await makeBackup('pre-migration-app-20261124-120000.dump', { days: 1, verified: true });
    const failed = await makeBackup('pre-migration-app-20261123-120000.dump', { days: 2, verified: 'failed' });
    const shrunk = await makeBackup('pre-migration-app-20261122-120000.dump', { days: 3 });
    await writeFile(shrunk, 'short');
    const gone = await makeBackup('pre-migration-app-20261121-120000.dump', { days: 4 });
    await rm(gone);
    const partial = await leftover('pre-migration-app-20261120-120000.dump.partial', 5);
    const orphan = await leftover('pre-migration-app-20261119-120000.dump', 6);
    await writeFile(join(dir, 'notes.txt'), 'not a backup');
    await writeFile(join(dir, 'bad.dump'), 'x');
    await writeFile(manifestPathOf(join(dir, 'bad.dump')), '{');

    const list = await listBackups(dir);
    const byPath = Object.fromEntries(list.map((e) => [e.path, e]));
    expect(byPath[ok]).toMatchObject({ state: 'ok', verified: true, database: 'app', newestMigration: '0000_init', totalRows: 3 });
    expect(byPath[failed]).toMatchObject({ state: 'ok', verified: false, verificationFailed: true });
    expect(byPath[shrunk]).toMatchObject({ state: 'size-mismatch' });
    expect(byPath[gone]).toMatchObject({ state: 'missing-archive' });
    expect(byPath[partial]).toMatchObject({ state: 'partial' });
    expect(byPath[orphan]).toMatchObject({ state: 'no-manifest' });
    expect(byPath[join(dir, 'bad.dump')]).toMatchObject({ state: 'bad-manifest' });
    expect(list.some((e) => e.path.endsWith('notes.txt'))).toBe(false);
    const created = list.map((e) => e.createdAt);
    expect(created).toEqual([...created].sort().reverse());
  });

  it('a folder that does not exist has no backups', async () => {
    expect(await listBackups(join(dir, 'nope'))).toEqual([]);
  });

  it('finds the newest verified backup of one database on one server', async () => {
    await makeBackup('a1.dump', { days: 1, verified: false });
    const good = await makeBackup('a2.dump', { days: 2, verified: true });
    await makeBackup('other.dump', { days: 0, verified: true, database: 'other' });
    await makeBackup('elsewhere.dump', { days: 0, verified: true, system: '999' });
    const list = await listBackups(dir);
    expect(newestVerified(list, { name: 'app', systemIdentifier: '7300000000000000001' })?.path).toBe(good);
    expect(newestVerified(list, { name: 'missing', systemIdentifier: null })).toBeUndefined();
  });
});

describe('pruneBackups', () => {
  it('deletes backups older than --keep-days, but never the newest verified backup of a database', async () => {
    const fresh = await makeBackup('fresh.dump', { days: 1 });
    const oldUnverified = await makeBackup('old-unverified.dump', { days: 8 });
    const newestGood = await makeBackup('newest-verified.dump', { days: 10, verified: true });
    const olderGood = await makeBackup('older-verified.dump', { days: 20, verified: true });
    const otherDb = await makeBackup('other-db.dump', { days: 30, verified: true, database: 'billing' });

    const dry = await pruneBackups(dir, { keepDays: 7, dryRun: true, now: NOW });
    expect(dry.deleted.map((e) => e.path).sort()).toEqual([oldUnverified, olderGood].sort());
    expect(existsSync(oldUnverified)).toBe(true);

    const result = await pruneBackups(dir, { keepDays: 7, now: NOW });
    expect(result.deleted.map((e) => e.path).sort()).toEqual([oldUnverified, olderGood].sort());
    expect(result.protected.map((e) => e.path).sort()).toEqual([newestGood, otherDb].sort());
    expect(result.kept.map((e) => e.path)).toEqual([fresh]);
    expect((await readdir(dir)).sort()).toEqual(
      ['fresh.dump', 'newest-verified.dump', 'other-db.dump'].flatMap((n) => [n, `${n}.manifest.json`]).sort(),
    );
  });

  it('a newer verified backup ends the protection of the older one', async () => {
    const old = await makeBackup('old.dump', { days: 10, verified: true });
    await makeBackup('new.dump', { days: 1, verified: true });
    const result = await pruneBackups(dir, { keepDays: 7, now: NOW });
    expect(result.deleted.map((e) => e.path)).toEqual([old]);
    expect(existsSync(manifestPathOf(old))).toBe(false);
  });

  it('a failed verification does not protect a backup', async () => {
    const failed = await makeBackup('failed.dump', { days: 10, verified: 'failed' });
    expect((await pruneBackups(dir, { keepDays: 7, now: NOW })).deleted.map((e) => e.path)).toEqual([failed]);
  });

  it('removes old leftovers but never a partial file that may still be written', async () => {
    const oldPartial = await leftover('pre-migration-app-20261101-000000.dump.partial', 9);
    const youngPartial = await leftover('pre-migration-app-20261125-110000.dump.partial', 0);
    const dirArchive = join(dir, 'pre-migration-app-20261101-000000');
    await mkdir(dirArchive);
    await writeFile(join(dirArchive, 'toc.dat'), 'x');
    const at = daysAgo(9);
    await utimes(dirArchive, at, at);
    const result = await pruneBackups(dir, { keepDays: 0, now: NOW });
    expect(result.deleted.map((e) => e.path).sort()).toEqual([oldPartial, dirArchive].sort());
    expect(existsSync(youngPartial)).toBe(true);
  });

  it('never deletes a backup whose manifest it cannot read, and survives odd files', async () => {
    const archive = join(dir, 'edited.dump');
    await writeFile(archive, 'x');
    await writeFile(manifestPathOf(archive), JSON.stringify({ kind: 'sdk-backup', version: 1, sha256: 'x', tables: [] }));
    await utimes(manifestPathOf(archive), daysAgo(30), daysAgo(30));
    await symlink(join(dir, 'nowhere'), join(dir, 'dangling.dump.partial'));
    await symlink(join(dir, 'nowhere'), join(dir, 'dangling.dump.manifest.json'));
    await mkdir(join(dir, 'folder.dump.manifest.json'));
    const list = await listBackups(dir);
    expect(list.find((e) => e.path === archive)).toMatchObject({ state: 'bad-manifest' });
    const result = await pruneBackups(dir, { keepDays: 7, now: NOW });
    expect(result.unreadable.map((e) => e.path)).toContain(archive);
    expect(existsSync(archive)).toBe(true);
    expect(existsSync(manifestPathOf(archive))).toBe(true);
  });

  it('refuses a negative --keep-days', async () => {
    await expect(pruneBackups(dir, { keepDays: -1 })).rejects.toMatchObject({ code: 'E_CONFIG', hint: expect.stringContaining('`keepDays` 7') });
  });
});
