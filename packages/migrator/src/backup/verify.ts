import { connect } from '../db/connect.js';
import { libpqTarget, withDatabase } from '../db/libpq.js';
import { claimScratch, dropLeftoverScratch, dropScratch, scratchName, type ScratchCleanup } from '../db/scratch.js';
import { quoteIdent } from '../db/sessions.js';
import { MigratorError } from '../errors.js';
import { redactUrl } from '../util/redact.js';
import { dumpedTables, exactCounts, serverIdentity } from './catalog.js';
import { archivePathOf, checkArchive, readManifest, writeManifest, type Manifest, type Verification } from './manifest.js';
import { failureOf, interrupted, RESTORE_LINE, runTool, TableProgress, type BackupProgress } from './process.js';
import { listArchive } from './archive.js';
import { findPgTool } from './tools.js';

/** Errors that are a verdict on the archive, recorded in its manifest as a failed verification. */
const ARCHIVE_VERDICTS = new Set(['E_BACKUP_CHECKSUM', 'E_BACKUP_UNREADABLE']);

/** Scratch databases are named `sdk_verify_<random>`, so a leftover one is recognisable. */
export const VERIFY_DATABASE_PREFIX = 'sdk_verify_';

export interface VerifyOptions {
  /** The archive, or its manifest. */
  path: string;
  /** The server the backup came from: the scratch database is made there unless `scratchUrl` is given. */
  databaseUrl: string;
  /** Another server (any database on it) to make the scratch database on. */
  scratchUrl?: string | undefined;
  /** Read-only queries that must succeed on the restored copy (e.g. `SELECT count(*) FROM users`). */
  smoke?: string[];
  /** Parallel restore workers. */
  jobs?: number | undefined;
  pgBinDir?: string | undefined;
  onProgress?: (progress: BackupProgress) => void;
  /** Stops pg_restore; the scratch database is still dropped. */
  signal?: AbortSignal;
}

export interface VerifyResult {
  path: string;
  manifest: Manifest;
  verification: Verification;
  /** Scratch databases of interrupted verifications found on the server and dropped first (see `dropVerifyLeftovers`). */
  leftovers: ScratchCleanup;
}

/**
 * Proves a backup restores: checks the archive against its manifest (size, sha256), lists it
 * with pg_restore, restores it into a scratch database `sdk_verify_<random>` (on the backup's
 * server, or `scratchUrl`'s), compares every table's exact row count with the manifest, runs the
 * smoke queries read-only, and drops the scratch database whatever happened. The outcome is
 * written into the manifest; only a passed verification makes the backup "verified".
 *
 * A verification killed midway cannot drop its scratch database: each one claims its name with a
 * session advisory lock before creating it (db/scratch.ts), and every verification first drops
 * the `sdk_verify_*` databases on the server whose claim is gone and that nobody is connected to.
 */
export async function verifyBackup(options: VerifyOptions): Promise<VerifyResult> {
  const archive = archivePathOf(options.path);
  const manifest = await readManifest(archive);
  const started = Date.now();
  // A verdict on the archive itself (bytes changed, unreadable) is recorded, so it is never listed
  // as verified again. Failures of the setup (no pg_restore, no server, no CREATEDB) say nothing
  // of the backup and are not.
  const recorded = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } catch (error) {
      if (error instanceof MigratorError && ARCHIVE_VERDICTS.has(error.code)) {
        await writeManifest(archive, { ...manifest, verification: failed(error.message, 'none (checked before restoring)', started) }).catch(() => {});
      }
      throw error;
    }
  };
  await recorded(checkArchive(archive, manifest));
  const pgRestore = await findPgTool('pg_restore', { pgBinDir: options.pgBinDir, atLeast: manifest.pgDump.major, why: `reading an archive written by pg_dump ${manifest.pgDump.version}` });
  const toc = await recorded(listArchive(pgRestore, archive));
  const problems: string[] = [];
  const dataTables = manifest.tables.length;
  if (toc.tableData < dataTables) problems.push(`the archive has data for ${toc.tableData} tables, the manifest lists ${dataTables}`);
  if (toc.dbname !== null && toc.dbname !== manifest.database.name) problems.push(`the archive was dumped from database ${toc.dbname}, the manifest says ${manifest.database.name}`);

  const serverUrl = options.scratchUrl ?? options.databaseUrl;
  let scratch = '';
  let leftovers: ScratchCleanup = { dropped: [], failed: [] };
  const admin = await connect(serverUrl, { applicationName: 'sdk verify-backup' });
  // The backup's own server has its roles; any other (--scratch-url, or a DATABASE_URL that points
  // elsewhere) may not: objects are restored there without their owners and grants.
  const identity = await serverIdentity(admin).catch(() => undefined);
  const sameServer =
    options.scratchUrl === undefined &&
    identity !== undefined &&
    (manifest.database.systemIdentifier === null || identity.systemIdentifier === null || identity.systemIdentifier === manifest.database.systemIdentifier);
  const otherServer = !sameServer;
  let created = false;
  const smoke: Verification['smoke'] = [];
  let rowsCompared = 0;
  try {
    leftovers = await dropLeftoverScratch(admin, VERIFY_DATABASE_PREFIX);
    // Claimed before it exists, released (with the session) only after it is dropped.
    for (let attempt = 1; !scratch; attempt++) {
      const name = scratchName(VERIFY_DATABASE_PREFIX);
      if (await claimScratch(admin, name)) scratch = name;
      else if (attempt === 3) {
        throw new MigratorError('E_BACKUP_VERIFY', `cannot claim a scratch database name on ${redactUrl(serverUrl)}: three random names had their advisory lock taken`, {
          hint: 'run `sdk db verify-backup` again',
        });
      }
    }
    try {
      await admin.query(`CREATE DATABASE ${quoteIdent(scratch)} TEMPLATE template0`);
      created = true;
    } catch (error) {
      throw new MigratorError('E_BACKUP_VERIFY', `cannot create the scratch database ${scratch} on ${redactUrl(serverUrl)}: ${(error as Error).message}`, {
        cause: error,
        hint: 'verification needs CREATEDB on that server; or pass `scratchUrl` with a server where it may create a database',
      });
    }
    const scratchUrl = withDatabase(serverUrl, scratch);
    const target = libpqTarget(scratchUrl, 'sdk verify-backup (pg_restore)');
    const progress = new TableProgress('restoring', manifest.tables.map((t) => ({ ...t, bytes: t.rows })), options.onProgress ?? (() => {}), RESTORE_LINE);
    const jobs = options.jobs ?? 1;
    // Another server may not have the backup's roles: restore the objects without their owners and grants there.
    const args = ['--exit-on-error', '--verbose', ...(otherServer ? ['--no-owner', '--no-privileges'] : []), ...(jobs > 1 ? [`--jobs=${jobs}`] : ['--single-transaction']), `--dbname=${target.dbname}`, archive];
    const run = runTool(pgRestore, args, target.env, (line) => progress.line(line), options.signal);
    const exit = await run.exited;
    target.dispose();
    const stopped = interrupted(options.signal, 'the verification was stopped and its scratch database dropped; the manifest is unchanged');
    if (stopped) throw stopped;
    if (exit.code !== 0) problems.push(`the restore into the scratch database failed: ${failureOf(pgRestore, exit)}`);
    else {
      progress.finish();
      options.onProgress?.({ phase: 'comparing', tablesDone: 0, tablesTotal: dataTables, rowsDone: 0, rowsTotal: manifest.totalRows, bytesDone: 0, bytesTotal: 0, elapsedMs: Date.now() - started, etaMs: undefined });
      const client = await connect(scratchUrl, { applicationName: 'sdk verify-backup' });
      try {
        const restored = await dumpedTables(client);
        const have = new Set(restored.map((t) => `${t.schema}.${t.name}`));
        const present = manifest.tables.filter((t) => have.has(`${t.schema}.${t.name}`));
        for (const t of manifest.tables) if (!have.has(`${t.schema}.${t.name}`)) problems.push(`table ${t.schema}.${t.name} is missing from the restored copy`);
        const wanted = new Set(manifest.tables.map((t) => `${t.schema}.${t.name}`));
        for (const t of restored) if (!wanted.has(`${t.schema}.${t.name}`)) problems.push(`table ${t.schema}.${t.name} is in the restored copy but not in the manifest`);
        const counts = await exactCounts(client, present);
        for (const [i, c] of counts.entries()) {
          const expected = present[i]!.rows;
          rowsCompared += c.rows;
          if (c.rows !== expected) problems.push(`${c.schema}.${c.name} has ${c.rows} rows restored, the manifest recorded ${expected}`);
        }
        for (const sql of options.smoke ?? []) {
          try {
            await client.query('BEGIN READ ONLY');
            const result = await client.query(sql);
            smoke.push({ sql, rows: result.rowCount ?? result.rows.length });
          } catch (error) {
            problems.push(`smoke query failed: ${sql.replace(/\s+/g, ' ').slice(0, 120)}: ${(error as Error).message}`);
          } finally {
            await client.query('ROLLBACK').catch(() => {});
          }
        }
      } finally {
        await client.end().catch(() => {});
      }
    }
  } finally {
    if (created) await dropScratch(admin, scratch).catch(() => {});
    await admin.end().catch(() => {});
  }
  const verification: Verification = {
    ok: problems.length === 0,
    at: new Date().toISOString(),
    durationMs: Date.now() - started,
    server: otherServer ? `${redactUrl(serverUrl)} (another server: restored without owners and grants)` : `the backup's server (${redactUrl(serverUrl)})`,
    scratchDatabase: scratch,
    tablesCompared: manifest.tables.length,
    rowsCompared,
    smoke,
    problems,
  };
  // A failed check is recorded too, so `backups list` never shows an old success for a backup that now fails.
  const updated = { ...manifest, verification };
  await writeManifest(archive, updated);
  if (!verification.ok) {
    throw new MigratorError('E_BACKUP_VERIFY', `${archive} failed verification: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, {
      hint: 'do not rely on this backup: make a new one with `sdk db backup` with `verify`',
    });
  }
  return { path: archive, manifest: updated, verification, leftovers };
}

/**
 * Drops the scratch databases that interrupted verifications left on the server of `databaseUrl`
 * (never one a verification is using: see `dropLeftoverScratch`). `verifyBackup` does it first
 * thing; `sdk db backups list` does it when a database URL is configured.
 */
export async function dropVerifyLeftovers(databaseUrl: string, options: { timeoutMs?: number; applicationName?: string } = {}): Promise<ScratchCleanup> {
  const admin = await connect(databaseUrl, { applicationName: options.applicationName ?? 'sdk verify-backup (cleanup)', ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
  try {
    return await dropLeftoverScratch(admin, VERIFY_DATABASE_PREFIX);
  } finally {
    await admin.end().catch(() => {});
  }
}

function failed(problem: string, server: string, started: number): Verification {
  return {
    ok: false,
    at: new Date().toISOString(),
    durationMs: Date.now() - started,
    server,
    scratchDatabase: '',
    tablesCompared: 0,
    rowsCompared: 0,
    smoke: [],
    problems: [problem],
  };
}
