import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the @big0290/db-config package (holds `migrations/` and `drizzle.config.ts`). */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The folder drizzle-kit generates into and the runner applies from. */
export const migrationsFolder = join(packageRoot, 'migrations');
