export { startTestServer, startEmbedded, containerRuntimeAnswers, freePort, DEFAULT_TEST_PG_IMAGE } from './server.js';
export type { TestServer, ServerSource, EmbeddedServer, EmbeddedServerOptions } from './server.js';
export { startEmbeddedDetached, stopEmbeddedDetached, DETACHED_LOG_FILE } from './detached.js';
export type { DetachedServerOptions } from './detached.js';
export { createTestDatabase, dropDatabase, withDatabase, adminUrlFromEnv, ADMIN_URL_ENV } from './database.js';
export type { TestDatabase } from './database.js';
export { writeMigrationsFolder, JOURNAL_BASE_WHEN } from './migrations.js';
export type { MigrationSpec } from './migrations.js';
