import { MigratorError } from '../errors.js';
import { combinePlans, renderPlan, type OperationPlan, type PlannedFile } from '../operations/index.js';
import { appendMigrations, readJournal, writeDataMigrations, type Snapshot } from './drizzle-folder.js';
import { operationFiles } from './operation-files.js';

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
  /**
   * Tags applied on the database the operation was checked against. When given, an earlier
   * operation of the folder whose contract is still pending there is refused: the new
   * operation's expand would come after that contract in the journal, so it would run only
   * after the deploy that contract waits for.
   */
  applied?: ReadonlySet<string> | undefined;
}

export interface WrittenOperation {
  files: PlannedFile[];
  /** Paths written (none on a dry run). */
  paths: string[];
}

/**
 * Writes an operation's plan into the project: migrations in drizzle-kit's journal, backfills as
 * tracked data migrations. Several plans are written as one operation, every expand step before
 * the first contract step (`combinePlans`), so that one deploy sits between them.
 */
export async function writeOperation(plans: OperationPlan | readonly OperationPlan[], options: WriteOperationOptions): Promise<WrittenOperation> {
  const plan = Array.isArray(plans) ? combinePlans(plans as readonly OperationPlan[]) : (plans as OperationPlan);
  if (options.applied) {
    const pending = (await operationFiles(options.migrationsFolder)).find((f) => f.phase === 'contract' && !options.applied!.has(f.tag));
    if (pending) {
      throw new MigratorError('E_OPERATION', `the contract of operation ${pending.name} (${pending.tag}) is not applied yet, so a new operation written after it would expand only after that contract, after the deploy it waits for`, {
        hint: `finish ${pending.name} first (\`sdk db migrate\` after its deploy), or roll it back (\`sdk db rollback-operation ${pending.name}\`, then delete its files) and write both changes as one operation: one drizzle-kit migration with \`pnpm db:generate --safe\``,
      });
    }
  }
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
