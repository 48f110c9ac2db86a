export * from './schema/index.js';
export { createDb, db, type Database } from './client.js';
export { migrationsFolder, packageRoot } from './paths.js';
export { isMaintenanceMode, MAINTENANCE_CACHE_MS, type MaintenanceSource } from './maintenance.js';
