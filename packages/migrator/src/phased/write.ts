import { renderPlan, type OperationPlan, type PlannedFile } from '../operations/index.js';
import { appendMigrations, readJournal, writeDataMigrations, type Snapshot } from './drizzle-folder.js';

export interface WriteOperationOptions {
  migrationsFolder: string;
  /** Where the data migrations go (the project's dataMigrations folder). */
  dataMigrationsFolder: string;
  /** Operation name, in file names (`add_phone`); lower case, digits and `_`. */
  name: string;
  /** The command that wrote them, recorded in the files. */
  command: string;
  /**
   * The drizzle-kit snapshot after the operation, from the one before it: drizzle-kit's next
   * `generate` compares the schema with it. Default: unchanged.
   */
  finalSnapshot?: ((before: Snapshot) => Snapshot) | undefined;
  /** Print the files instead of writing them. */
  dryRun?: boolean | undefined;
}

export interface WrittenOperation {
  files: PlannedFile[];
  /** Paths written (none on a dry run). */
  paths: string[];
}

/** Writes an operation's plan into the project: migrations in drizzle-kit's journal, backfills as tracked data migrations. */
export async function writeOperation(plan: OperationPlan, options: WriteOperationOptions): Promise<WrittenOperation> {
  const journal = await readJournal(options.migrationsFolder);
  const firstIndex = (journal.entries.at(-1)?.idx ?? -1) + 1;
  const files = renderPlan(plan, { name: options.name, firstIndex, command: options.command });
  if (options.dryRun) return { files, paths: [] };
  const migrations = files.filter((f) => f.kind === 'migration').map((f) => ({ tag: f.name, text: f.text }));
  const data = files.filter((f) => f.kind === 'data-migration').map((f) => ({ name: f.name, text: f.text }));
  const dataPaths = await writeDataMigrations(options.dataMigrationsFolder, data);
  const last = migrations.length - 1;
  const paths = await appendMigrations(options.migrationsFolder, migrations, (base, i) => (base && i === last && options.finalSnapshot ? options.finalSnapshot(structuredClone(base)) : base));
  return { files, paths: [...paths, ...dataPaths] };
}
