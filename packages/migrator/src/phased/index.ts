export { writeOperation, type WriteOperationOptions, type WrittenOperation } from './write.js';
export { rollbackOperation, type RollbackOperationOptions, type RollbackOperationResult } from './rollback.js';
export { operationFiles, operationHeader, type OperationFile } from './operation-files.js';
export { readJournal, readSnapshot, type Journal, type JournalEntry, type Snapshot } from './drizzle-folder.js';
export { findSafeRewrites, safeRewrite, type SafeRewriteFinding, type SafeRewriteOptions, type SafeRewriteResult } from './from-drizzle.js';
export { snapshotColumnType, type SnapshotColumn, type SnapshotIndex, type SnapshotSchema, type SnapshotTable } from './drizzle-snapshot.js';
