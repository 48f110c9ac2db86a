import type { Queryable } from '../db/metadata.js';
import { serverIdentity } from './catalog.js';
import { isBackupOf, listBackups, newestVerified } from './retention.js';

/** The backups of one database in the backup folder, as `sdk db status` shows them. */
export interface BackupStatus {
  dir: string;
  /** The newest backup whose verification passed (a restore into a scratch database). */
  newestVerified: { path: string; createdAt: string; verifiedAt: string; ageSeconds: number } | null;
  /** The newest backup of this database, verified or not. */
  newest: { path: string; createdAt: string; ageSeconds: number; verified: boolean } | null;
}

/** The newest backup, and the newest verified one, of the database `client` is connected to. */
export async function backupStatus(client: Queryable, dir: string): Promise<BackupStatus> {
  const identity = await serverIdentity(client);
  const database = { name: identity.database, systemIdentifier: identity.systemIdentifier };
  const mine = (await listBackups(dir)).filter((e) => e.state === 'ok' && isBackupOf(e, database));
  const age = (iso: string) => Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  const verified = newestVerified(mine);
  const newest = mine[0];
  return {
    dir,
    newestVerified: verified ? { path: verified.path, createdAt: verified.createdAt, verifiedAt: verified.verifiedAt!, ageSeconds: age(verified.createdAt) } : null,
    newest: newest ? { path: newest.path, createdAt: newest.createdAt, ageSeconds: age(newest.createdAt), verified: newest.verified } : null,
  };
}
