import { ADMIN_URL_ENV } from './database.js';
import { startTestServer, type TestServer } from './server.js';

let server: TestServer | undefined;

/**
 * vitest globalSetup: one PostgreSQL server per test run. Test files get a fresh database each
 * with `createTestDatabase()`. Workers are started after this runs, so they inherit the URL.
 */
export default async function setup(): Promise<() => Promise<void>> {
  server = await startTestServer();
  process.env[ADMIN_URL_ENV] = server.adminUrl;
  return async () => {
    await server?.stop();
    server = undefined;
  };
}
