import { resolve } from 'node:path';
import { projectRoot } from './project.js';

/** The backup folder: --backup-dir, else SDK_BACKUP_DIR, else `.sdk/backups` in the project root. */
export function backupDirOf(flag: string | undefined): string {
  const given = flag ?? process.env.SDK_BACKUP_DIR;
  return given ? resolve(given) : resolve(projectRoot(), '.sdk', 'backups');
}
