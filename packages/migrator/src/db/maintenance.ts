import { redactUrl } from '../util/redact.js';
import { currentActor } from '../util/actor.js';
import { connect } from './connect.js';
import { METADATA_SCHEMA, type Queryable } from './metadata.js';
import { ensureMetadataCurrent } from './metadata-migrations.js';

/** The table the flag lives in (metadata step 8); `@big0290/db-config`'s isMaintenanceMode reads it. */
export const MAINTENANCE_TABLE = `${METADATA_SCHEMA}.maintenance`;

/** The maintenance flag and who set it last. */
export interface MaintenanceState {
  /** The target, password redacted. */
  target: string;
  enabled: boolean;
  /** What the application may show its users while it is on. */
  message: string | null;
  /** When it was last turned on or off; null when it never was. */
  changedAt: string | null;
  /** Who did it: the database role, the OS user and host of the command. */
  changedBy: { dbUser: string; osUser: string | null; host: string | null } | null;
}

export interface MaintenanceOptions {
  databaseUrl: string;
}

export interface SetMaintenanceOptions extends MaintenanceOptions {
  enabled: boolean;
  /** Shown to the application's users while it is on; cleared when it is turned off. */
  message?: string | undefined;
  /** Who to record instead of the OS user and host of this process. */
  user?: string | undefined;
  host?: string | undefined;
}

interface Row {
  enabled: boolean;
  message: string | null;
  db_user: string;
  os_user: string | null;
  host: string | null;
  changed_at: Date;
}

function toState(target: string, row: Row | undefined): MaintenanceState {
  if (!row) return { target, enabled: false, message: null, changedAt: null, changedBy: null };
  return {
    target,
    enabled: row.enabled,
    message: row.message,
    changedAt: row.changed_at.toISOString(),
    changedBy: { dbUser: row.db_user, osUser: row.os_user, host: row.host },
  };
}

async function read(db: Queryable, target: string): Promise<MaintenanceState> {
  const { rows: exists } = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [MAINTENANCE_TABLE]);
  if (!exists[0]?.ok) return toState(target, undefined);
  const { rows } = await db.query<Row>(`SELECT enabled, message, db_user, os_user, host, changed_at FROM ${MAINTENANCE_TABLE}`);
  return toState(target, rows[0]);
}

/**
 * Whether the database is in maintenance, with who set the flag, when, and its message. Read-only:
 * a database no sdk command has written to yet is simply not in maintenance.
 */
export async function maintenanceStatus(options: MaintenanceOptions): Promise<MaintenanceState> {
  const client = await connect(options.databaseUrl, { applicationName: 'sdk db maintenance' });
  try {
    return await read(client, redactUrl(options.databaseUrl));
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Turns the maintenance flag on (with an optional message for the application's users) or off,
 * recording who and when. The application sees the change within a second through
 * `isMaintenanceMode(db)` of `@big0290/db-config`. Brings the metadata schema up to date first
 * (under the runner's advisory lock, only when it is behind).
 *
 * @example
 * await setMaintenance({ databaseUrl, enabled: true, message: 'Back at 02:30 UTC' });
 * // ... deploy ...
 * await setMaintenance({ databaseUrl, enabled: false });
 */
export async function setMaintenance(options: SetMaintenanceOptions): Promise<MaintenanceState> {
  const client = await connect(options.databaseUrl, { applicationName: 'sdk db maintenance' });
  try {
    await ensureMetadataCurrent(client);
    const actor = currentActor({ user: options.user, host: options.host, gitSha: '' });
    await client.query(
      `INSERT INTO ${MAINTENANCE_TABLE} (only_row, enabled, message, db_user, os_user, host, changed_at)
       VALUES (true, $1, $2, current_user, $3, $4, now())
       ON CONFLICT (only_row) DO UPDATE SET enabled = EXCLUDED.enabled, message = EXCLUDED.message, db_user = EXCLUDED.db_user,
         os_user = EXCLUDED.os_user, host = EXCLUDED.host, changed_at = EXCLUDED.changed_at`,
      [options.enabled, options.enabled ? (options.message ?? null) : null, actor.user, actor.host],
    );
    return await read(client, redactUrl(options.databaseUrl));
  } finally {
    await client.end().catch(() => {});
  }
}
