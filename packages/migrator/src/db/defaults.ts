/** The runner's and the backup commands' defaults, in a module of their own so the CLI can show them in --help without loading them. */

/** lock_timeout for every statement: how long the queue behind a waiting DDL may stall. */
export const DEFAULT_LOCK_TIMEOUT_MS = 2_000;
/** statement_timeout for statements run in a transaction (they hold their locks until commit). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 60_000;
/**
 * How long a statement that lost a lock race keeps being retried, each attempt after a growing,
 * jittered pause (up to 10 s): long enough to outlast a typical long transaction in the
 * application, never holding a lock while it waits.
 */
export const DEFAULT_RETRY_FOR_MS = 120_000;
/**
 * A migration transaction that changed this many rows is not retried after a lock timeout or
 * deadlock: a retry would lock them all again and stall the application's writes to them.
 */
export const DEFAULT_RETRY_ROW_LIMIT = 10_000;
/** How long a second runner waits for the first to finish. */
export const DEFAULT_ADVISORY_LOCK_WAIT_MS = 60_000;
/** Rebuilds of an index left INVALID by a failed concurrent build. */
export const DEFAULT_MAX_INDEX_REBUILDS = 3;
/** How long a backup waits for a table lock (a migration holding it) before it fails. */
export const DEFAULT_BACKUP_LOCK_TIMEOUT_MS = 30_000;
/** How long a restore statement waits for a lock the application holds before the restore rolls back. */
export const DEFAULT_RESTORE_LOCK_TIMEOUT_MS = 10_000;
/** `sdk db locks`: a transaction open this long is listed as long (it holds its locks and holds back VACUUM). */
export const DEFAULT_LONG_TRANSACTION_MS = 60_000;
/** `sdk db deploy`'s preflight refuses while a streaming replica's replay lags more than this. */
export const DEFAULT_MAX_REPLICA_LAG_MS = 10_000;
