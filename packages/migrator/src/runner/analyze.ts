import { MigratorError } from '../errors.js';
import { analyzeSql, loadParser, lockTimeoutComment, migrationPhase } from '../sql/index.js';
import type { MigrationFile, PlannedMigration } from './types.js';

function fromFile(file: MigrationFile): Pick<PlannedMigration, 'tag' | 'idx' | 'when' | 'hash' | 'path'> {
  return { tag: file.tag, idx: file.idx, when: file.when, hash: file.hash, path: file.path };
}

/** Parses and classifies one migration file (statements, transaction needs, phase). */
export async function analyzeMigration(file: MigrationFile, resumeFrom = 0): Promise<PlannedMigration> {
  await loadParser();
  const statements = await analyzeSql(file.sql, { file: file.path });
  const control = statements.find((s) => s.kind === 'TransactionStmt');
  if (control) {
    throw new MigratorError('E_TRANSACTION_CONTROL', `${file.path}:${control.line}:${control.column}: ${control.sql.split(/\s/)[0]!.toUpperCase()} in a migration file would end the runner's own transaction`, {
      hint: 'remove BEGIN/COMMIT/ROLLBACK from the file: each migration already runs in its own transaction (and statements that cannot are run outside one)',
    });
  }
  let phase: ReturnType<typeof migrationPhase>;
  let lockTimeoutMs: number | undefined;
  try {
    phase = migrationPhase(file.sql, statements);
    lockTimeoutMs = lockTimeoutComment(file.sql);
  } catch (error) {
    // The phase comment's own errors say the line; name the file too.
    if (error instanceof MigratorError) throw new MigratorError(error.code, `${file.path}: ${error.message}`, { cause: error, ...(error.hint ? { hint: error.hint } : {}) });
    throw error;
  }
  return { ...fromFile(file), phase: phase.phase, phaseSource: phase.source, phaseReason: phase.reason, lockTimeoutMs, statements, resumeFrom };
}

/**
 * Like analyzeMigration, but a file that no longer parses (already applied by another tool or
 * an older PostgreSQL) still gets a row in status instead of failing the whole report.
 */
export async function analyzeForStatus(file: MigrationFile): Promise<PlannedMigration> {
  try {
    return await analyzeMigration(file);
  } catch (error) {
    if (!(error instanceof MigratorError)) throw error;
    return { ...fromFile(file), phase: 'expand', phaseSource: 'inferred', phaseReason: `does not parse: ${error.message}`, statements: [], resumeFrom: 0 };
  }
}
