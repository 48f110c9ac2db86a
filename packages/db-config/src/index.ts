export * from './schema/index.js';
export { createDb, db, type Database } from './client.js';
export { migrationsFolder, packageRoot } from './paths.js';
