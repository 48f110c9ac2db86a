export { backup, backupStamp, DEFAULT_BACKUP_LOCK_TIMEOUT_MS, type BackupOptions, type BackupResult } from './backup.js';
export { verifyBackup, listArchive, VERIFY_DATABASE_PREFIX, type VerifyOptions, type VerifyResult } from './verify.js';
export { restoreBackup, DEFAULT_RESTORE_LOCK_TIMEOUT_MS, type RestoreOptions, type RestorePreview, type RestoreResult } from './restore.js';
export { listBackups, pruneBackups, newestVerified, isBackupOf, type BackupEntry, type BackupState, type PruneResult } from './retention.js';
export { readManifest, checkArchive, checksum, manifestPathOf, archivePathOf, MANIFEST_SUFFIX, PARTIAL_SUFFIX, type Manifest, type Verification, type TableCount, type ArchiveFormat } from './manifest.js';
export { findPgTool, parseToolVersion, type PgTool, type PgToolName } from './tools.js';
export type { BackupProgress } from './process.js';
export { formatBytes } from '../util/format.js';
export { redactUrl } from '../util/redact.js';
