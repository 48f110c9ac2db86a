export { startTestServer, containerRuntimeAnswers, DEFAULT_TEST_PG_IMAGE } from './server.js';
export type { TestServer, ServerSource } from './server.js';
export { createTestDatabase, dropDatabase, withDatabase, adminUrlFromEnv, ADMIN_URL_ENV } from './database.js';
export type { TestDatabase } from './database.js';
export { writeMigrationsFolder, JOURNAL_BASE_WHEN } from './migrations.js';
export type { MigrationSpec } from './migrations.js';
export { gateSql, closeGate, waitFor, runningQuery, processes, toolsMentioning, holdsStdinOf, oneVerifyingFileAtATime, TURN_TIMEOUT_MS } from './midway.js';
export type { ProcessInfo } from './midway.js';
export { testFilesTouchingProcessState } from './isolation.js';
