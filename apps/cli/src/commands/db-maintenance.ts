import { maintenanceStatus, setMaintenance, type MaintenanceState } from '@big0290/migrator';
import { ago, type Output } from '../output.js';
import type { TargetFlags } from '../options.js';
import { UsageError } from '../run.js';
import { resolveTarget } from '../target.js';

export type MaintenanceAction = 'on' | 'off' | 'status';

export interface DbMaintenanceOptions extends TargetFlags {
  message?: string;
}

/** `sdk db maintenance on|off|status`: the flag the application reads with isMaintenanceMode(db). */
export async function dbMaintenance(action: MaintenanceAction, options: DbMaintenanceOptions, out: Output): Promise<number> {
  if (options.message !== undefined && action !== 'on') throw new UsageError(`--message goes with \`sdk db maintenance on\`, not ${action}`);
  const target = await resolveTarget(options, out);
  try {
    const state =
      action === 'status'
        ? await maintenanceStatus({ databaseUrl: target.url })
        : await setMaintenance({ databaseUrl: target.url, enabled: action === 'on', message: options.message });
    if (out.json) out.resultJson(state);
    else out.result(renderMaintenance(state, action));
    return 0;
  } finally {
    await target.close();
  }
}

export function renderMaintenance(state: MaintenanceState, action: MaintenanceAction): string {
  const by = state.changedBy ? ` by ${[state.changedBy.osUser, state.changedBy.host ? `on ${state.changedBy.host}` : '', `(database role ${state.changedBy.dbUser})`].filter(Boolean).join(' ')}` : '';
  const when = state.changedAt ? ` ${ago(state.changedAt)} (${state.changedAt})` : '';
  const head = action === 'status' ? 'Maintenance mode' : 'Maintenance mode is now';
  if (!state.enabled) {
    return `${head} off${state.changedAt ? `: turned off${by}${when}` : ': never turned on for this database'}.`;
  }
  const lines = [`${head} on: turned on${by}${when}.`];
  if (state.message) lines.push(`Message: ${state.message}`);
  lines.push('The application sees it within a second through isMaintenanceMode(db) of @big0290/db-config; `sdk db maintenance off` ends it.');
  return lines.join('\n');
}
