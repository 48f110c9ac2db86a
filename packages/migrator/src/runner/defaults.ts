/** The runner's and the backup commands' defaults, in a module of their own so the CLI can show them in --help without loading them. */

/** lock_timeout for every statement: how long the queue behind a waiting DDL may stall. */
export const DEFAULT_LOCK_TIMEOUT_MS = 2_000;
/** statement_timeout for statements run in a transaction (they hold their locks until commit). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 60_000;
/** Attempts after a lock timeout, each after a growing, jittered pause. */
export const DEFAULT_MAX_RETRIES = 5;
/** How long a second runner waits for the first to finish. */
export const DEFAULT_ADVISORY_LOCK_WAIT_MS = 60_000;
/** Rebuilds of an index left INVALID by a failed concurrent build. */
export const DEFAULT_MAX_INDEX_REBUILDS = 3;
/** How long a backup waits for a table lock (a migration holding it) before it fails. */
export const DEFAULT_BACKUP_LOCK_TIMEOUT_MS = 30_000;
/** How long a restore statement waits for a lock the application holds before the restore rolls back. */
export const DEFAULT_RESTORE_LOCK_TIMEOUT_MS = 10_000;
