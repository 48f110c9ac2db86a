export {
  migrate,
  DEFAULT_LOCK_TIMEOUT_MS,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  DEFAULT_RETRY_FOR_MS,
  DEFAULT_RETRY_ROW_LIMIT,
  DEFAULT_ADVISORY_LOCK_WAIT_MS,
  DEFAULT_MAX_INDEX_REBUILDS,
} from './migrate.js';
export { migrationStatus } from './status.js';
export { repair, type RepairOptions, type RepairResult, type EditedMigration } from './repair.js';
export { readMigrations } from './journal.js';
export { analyzeMigration } from './analyze.js';
export { ADVISORY_LOCK_KEYS, lockHolder } from '../db/advisory-lock.js';
export { METADATA_SCHEMA, DRIZZLE_SCHEMA, DRIZZLE_TABLE } from '../db/metadata.js';
export type * from './types.js';
export { reconcileWithEdits } from './edits.js';
