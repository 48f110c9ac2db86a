/** The runner's defaults, in a module of their own so the CLI can show them in --help without loading the runner. */

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
