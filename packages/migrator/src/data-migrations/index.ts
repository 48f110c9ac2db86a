export { defineDataMigration } from './define.js';
export type { DataMigration, DataMigrationContext } from './define.js';
export { migrateWithData, migrateWithData as migrate, dataMigrationStatus } from './run.js';
export type { DataMigrationsOptions, DataMigrationStatus, RanDataMigration } from './run.js';
