import type pg from 'pg';
import { compileBackfill, compileCopy, runBackfill, runCopy, type BackfillEvent, type BackfillOptions, type CopyOptions } from '../backfill/index.js';
import { METADATA_SCHEMA } from '../db/metadata.js';
import { MigratorError } from '../errors.js';
import { migrate as migrateSchema, type MigrateOptions, type MigrateResult } from '../runner/index.js';
import { currentActor } from '../util/actor.js';
import type { DataMigrationContext } from './define.js';
import { listDataMigrations, loadDataMigration, type DataMigrationFile } from './load.js';

const S = METADATA_SCHEMA;

export interface DataMigrationsOptions {
  /** Folder of tracked data migrations (`NNNN_name.ts`); none run when it is not given or does not exist. */
  dataMigrationsFolder?: string | undefined;
  /** Awaited before each batch of their backfills and copies (BackfillSettings `hold`). */
  hold?: ((signal: AbortSignal | undefined) => Promise<void>) | undefined;
  /** Every event of their backfills and copies, besides the data migration's own `onEvent`. */
  onBackfillEvent?: ((event: BackfillEvent) => void) | undefined;
}

/** What runOne passes to every backfill and copy of a data migration. */
type Around = Pick<DataMigrationsOptions, 'hold' | 'onBackfillEvent'> & { signal: AbortSignal | undefined };

/** A backfill's settings with the run's signal, hold and event sink added to the file's own. */
function withRun<T extends { onEvent?: ((event: BackfillEvent) => void) | undefined }>(settings: T, name: string, around: Around): T & { name: string; signal: AbortSignal | undefined } {
  const own = settings.onEvent;
  const sink = around.onBackfillEvent;
  const onEvent = own && sink ? (event: BackfillEvent) => (own(event), sink(event)) : (own ?? sink);
  return { ...settings, name, signal: around.signal, ...(around.hold ? { hold: around.hold } : {}), ...(onEvent ? { onEvent } : {}) };
}

export interface RanDataMigration {
  name: string;
  after: string;
  durationMs: number;
  resumed: boolean;
}

/** Data migrations of the folder: by file, which schema migration each follows and where it stands. */
interface Recorded {
  name: string;
  outcome: 'running' | 'failed' | 'interrupted' | 'finished';
  checksum: string;
}

async function recorded(client: pg.ClientBase): Promise<Map<string, Recorded>> {
  const { rows } = await client.query<Recorded>(`SELECT name, outcome, checksum FROM ${S}.data_migrations`);
  return new Map(rows.map((r) => [r.name, r]));
}

async function runOne(client: pg.Client, file: DataMigrationFile, after: string, run: (ctx: DataMigrationContext) => Promise<void>, around: Around, resumed: boolean): Promise<RanDataMigration> {
  const signal = around.signal;
  const actor = currentActor();
  const started = Date.now();
  await client.query(
    `INSERT INTO ${S}.data_migrations (name, after_tag, checksum, outcome, os_user, host) VALUES ($1, $2, $3, 'running', $4, $5)
     ON CONFLICT (name) DO UPDATE SET after_tag = $2, checksum = $3, outcome = 'running', started_at = now(), finished_at = NULL, error = NULL, os_user = $4, host = $5`,
    [file.name, after, file.checksum, actor.user, actor.host],
  );
  // Backfill and copy calls share the count: the first is named after the file, later ones #2, #3...
  let calls = 0;
  const nameOf = (given: string | undefined) => {
    calls++;
    return given ?? (calls === 1 ? file.name : `${file.name}#${calls}`);
  };
  const context: DataMigrationContext = {
    client,
    signal,
    backfill: async (options: Omit<BackfillOptions, 'signal'>) => {
      const name = nameOf(options.name);
      const { spec, settings } = await compileBackfill(options);
      return runBackfill(client, spec, withRun(settings, name, around));
    },
    copy: async (options: Omit<CopyOptions, 'signal'>) => {
      const name = nameOf(options.name);
      const { spec, settings } = compileCopy(options);
      return runCopy(client, spec, withRun(settings, name, around));
    },
  };
  try {
    await run(context);
  } catch (error) {
    const interrupted = (error as { code?: string }).code === 'E_INTERRUPTED';
    const message = error instanceof Error ? error.message : String(error);
    await client
      .query(`UPDATE ${S}.data_migrations SET outcome = $2, error = $3, duration_ms = $4 WHERE name = $1`, [file.name, interrupted ? 'interrupted' : 'failed', message, Date.now() - started])
      .catch(() => {});
    if (interrupted || (error instanceof MigratorError && error.code === 'E_DATA_MIGRATION')) throw error;
    throw new MigratorError('E_DATA_MIGRATION', `data migration ${file.name} failed: ${message}; no later schema migration was applied`, {
      cause: error,
      hint: 'fix the cause (or the data migration), then run `sdk db migrate` again: its backfills resume after their last batch',
    });
  }
  const durationMs = Date.now() - started;
  await client.query(`UPDATE ${S}.data_migrations SET outcome = 'finished', finished_at = now(), duration_ms = $2 WHERE name = $1`, [file.name, durationMs]);
  return { name: file.name, after, durationMs, resumed };
}

/**
 * `migrate`, with the tracked data migrations of `dataMigrationsFolder` run in their turn: each
 * right after the schema migration it names (`after`), before any later one, on the runner's
 * session under the migration lock. A data migration that has not finished stops the run, so a
 * contract migration that needs its backfill can never run before the backfill finished.
 */
export async function migrateWithData(options: MigrateOptions & DataMigrationsOptions & { onDataMigration?: (event: { type: 'data-migration-start' | 'data-migration-done'; name: string; after: string; durationMs?: number }) => void }): Promise<MigrateResult & { dataMigrations: RanDataMigration[] }> {
  const files = await listDataMigrations(options.dataMigrationsFolder);
  const ran: RanDataMigration[] = [];
  if (files.length === 0) return { ...(await migrateSchema(options)), dataMigrations: ran };
  const loaded = new Map<string, { after: string; run: (ctx: DataMigrationContext) => Promise<void> }>();
  for (const file of files) {
    const m = await loadDataMigration(file);
    loaded.set(file.name, { after: m.after, run: m.run.bind(m) });
  }
  const result = await migrateSchema({
    ...options,
    between: async ({ appliedTags, client, signal }) => {
      await options.between?.({ appliedTags, justApplied: null, client, signal });
      const done = await recorded(client);
      const applied = new Set(appliedTags);
      for (const file of files) {
        const m = loaded.get(file.name)!;
        if (!applied.has(m.after) || done.get(file.name)?.outcome === 'finished') continue;
        options.onDataMigration?.({ type: 'data-migration-start', name: file.name, after: m.after });
        const r = await runOne(client, file, m.after, m.run, { signal, hold: options.hold, onBackfillEvent: options.onBackfillEvent }, done.has(file.name));
        ran.push(r);
        options.onDataMigration?.({ type: 'data-migration-done', name: file.name, after: m.after, durationMs: r.durationMs });
      }
    },
  });
  return { ...result, dataMigrations: ran };
}

export interface DataMigrationStatus {
  name: string;
  after: string | null;
  state: 'pending' | 'running' | 'failed' | 'interrupted' | 'finished';
  /** The file changed since it finished. */
  modified: boolean;
  finishedAt: string | null;
  durationMs: number | null;
  error: string | null;
}

/** Where each data migration stands: its file, and what the database recorded. */
export async function dataMigrationStatus(client: pg.ClientBase, folder: string | undefined): Promise<DataMigrationStatus[]> {
  const files = await listDataMigrations(folder);
  const { rows: exists } = await client.query<{ ok: boolean }>(`SELECT to_regclass('${S}.data_migrations') IS NOT NULL AS ok`);
  const rows = exists[0]?.ok
    ? (
        await client.query<{ name: string; after_tag: string; outcome: DataMigrationStatus['state']; checksum: string; finished_at: Date | null; duration_ms: string | null; error: string | null }>(
          `SELECT name, after_tag, outcome, checksum, finished_at, duration_ms, error FROM ${S}.data_migrations`,
        )
      ).rows
    : [];
  const byName = new Map(rows.map((r) => [r.name, r]));
  return files.map((file) => {
    const r = byName.get(file.name);
    return {
      name: file.name,
      after: r?.after_tag ?? null,
      state: r?.outcome ?? 'pending',
      modified: r !== undefined && r.outcome === 'finished' && r.checksum !== file.checksum,
      finishedAt: r?.finished_at?.toISOString() ?? null,
      durationMs: r?.duration_ms === null || r?.duration_ms === undefined ? null : Number(r.duration_ms),
      error: r?.error ?? null,
    };
  });
}
