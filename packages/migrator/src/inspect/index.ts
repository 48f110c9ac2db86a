export { planMigrations, estimate, locksHeld, SQL_EXCERPT_LENGTH } from './plan.js';
export { formatBytes } from '../util/format.js';
export type { PlanOptions } from './plan.js';
export { traceMigrations, SCRATCH_DATABASE_PREFIX, DEFAULT_TRACE_STATEMENT_TIMEOUT_MS } from './trace.js';
export type { TraceOptions } from './trace.js';
export { measureRates, DEFAULT_PROBE_ROWS } from './rates.js';
export { pgDumpMajor } from './schema-copy.js';
export { DEFAULT_LONG_TRANSACTION_SECONDS } from './live.js';
export type * from './types.js';
