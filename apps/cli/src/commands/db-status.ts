import { status, type StatusReport } from '@big0290/migrator';
import { age, table, type Output } from '../output.js';
import { backupDirOf } from '../backup-dir.js';
import type { BackupDirFlags, MigrationsFlags, TargetFlags } from '../options.js';
import { dataMigrationsFolderOf, migrationsFolderOf } from '../project.js';
import { resolveTarget } from '../target.js';

/** `sdk db status`: where the database stands; exit code 1 when something needs attention. */
export async function dbStatus(options: TargetFlags & MigrationsFlags & BackupDirFlags & { dataMigrations?: string }, out: Output): Promise<number> {
  const migrationsFolder = await migrationsFolderOf(options.migrations);
  const dataMigrationsFolder = await dataMigrationsFolderOf(options.dataMigrations, migrationsFolder);
  const target = await resolveTarget(options, out);
  try {
    const report = await status({ databaseUrl: target.url, migrationsFolder, backupDir: backupDirOf(options.backupDir), dataMigrationsFolder });
    if (out.json) out.resultJson(report);
    else out.result(renderStatus(report, out));
    return report.needsAttention ? 1 : 0;
  } finally {
    await target.close();
  }
}

const STATE_COLOR = { applied: 'green', pending: 'yellow', modified: 'red', missing: 'red', 'out-of-order': 'red' } as const;

export function renderStatus(report: StatusReport, out: Output): string {
  const lines = [`Target:  ${report.target}`, `Server:  PostgreSQL ${report.serverVersion}`, ''];
  if (report.migrations.length === 0) lines.push('No migrations in the folder.');
  else {
    const rows = [['TAG', 'PHASE', 'STATE', 'APPLIED AT']];
    const state = (m: StatusReport['migrations'][number]) =>
      m.edit?.change === 'comments' ? `${m.state} (comments edited since)` : m.state === 'modified' && m.edit?.statements?.length ? `${m.state} (statement ${m.edit.statements.join(', ')})` : m.state;
    for (const m of report.migrations) rows.push([m.tag, m.phase, state(m), m.appliedAt ?? '']);
    const rendered = table(rows).split('\n');
    lines.push(
      ...rendered.map((line, i) => {
        const m = i === 0 ? undefined : report.migrations[i - 1];
        return m ? line.replace(m.state, out.style(STATE_COLOR[m.state], m.state)) : line;
      }),
    );
  }
  lines.push('');
  lines.push(
    report.invalidIndexes.length === 0
      ? 'Invalid indexes: none'
      : `Invalid indexes: ${report.invalidIndexes.map((i) => `${i.schema}.${i.name} on ${i.table}`).join(', ')} (drop with DROP INDEX CONCURRENTLY and rebuild)`,
  );
  const run = report.runInProgress;
  lines.push(
    run
      ? `Run in progress: pid ${run.pid}${run.host ? ` on ${run.host}` : ''}${run.user ? ` (${run.user})` : ''} since ${run.since}${run.tag ? `, applying ${run.tag}` : ''}`
      : 'Run in progress: none',
  );
  if (report.lastRun) {
    lines.push(`Last run: ${report.lastRun.outcome}, started ${report.lastRun.startedAt}${report.lastRun.error ? `: ${report.lastRun.error}` : ''}`);
  }
  if (report.dataMigrations?.length) {
    lines.push('', 'Data migrations:');
    const rows = [['NAME', 'AFTER', 'STATE']];
    for (const d of report.dataMigrations) rows.push([d.name, d.after ?? '', `${d.state}${d.modified ? ' (file changed since)' : ''}${d.error ? `: ${d.error}` : ''}`]);
    lines.push(table(rows));
  }
  if (report.operations?.length) {
    lines.push('', 'Operations:');
    const rows = [['NAME', 'KIND', 'PHASE', 'WHAT']];
    for (const o of report.operations) rows.push([o.name, o.kind, operationPhase(o), o.summary]);
    lines.push(table(rows));
  }
  if (report.backups) lines.push(backupLine(report.backups));
  lines.push('', summary(report));
  return lines.join('\n');
}

type OperationStatus = NonNullable<StatusReport['operations']>[number];

/** `expanded (backfill done)`, `rolled back`, ... */
export function operationPhase(o: OperationStatus): string {
  const applied = (phase: 'expand' | 'contract') => `${o.migrations.filter((m) => m.phase === phase && m.applied).length} of ${o.migrations.filter((m) => m.phase === phase).length}`;
  switch (o.state) {
    case 'not-started':
      return 'not started';
    case 'expanding':
      return `expanding (${applied('expand')} expand migrations applied)`;
    case 'expanded': {
      const backfill = o.backfill === 'none' ? '' : ` (backfill ${o.backfill})`;
      return o.migrations.some((m) => m.phase === 'contract') ? `expanded${backfill}` : `done${backfill}: nothing to contract`;
    }
    case 'contracting':
      return `contracting (${applied('contract')} contract migrations applied${o.backfill === 'none' || o.backfill === 'done' ? '' : `, backfill ${o.backfill}`})`;
    case 'contracted':
      return 'contracted';
    case 'rolled-back':
      return 'rolled back';
  }
}

function summary(report: StatusReport): string {
  const count = (state: string) => report.migrations.filter((m) => m.state === state).length;
  const problems: string[] = [];
  if (count('modified')) problems.push(`${count('modified')} applied migration(s) edited since: restore the text that was applied, or see \`pnpm sdk db repair\``);
  if (count('missing')) problems.push(`${count('missing')} applied migration(s) missing from the folder: restore them from git`);
  if (count('out-of-order')) problems.push(`${count('out-of-order')} out of order: review, then \`pnpm sdk db migrate --allow-out-of-order\``);
  if (report.invalidIndexes.length) problems.push('INVALID indexes: `pnpm sdk db migrate` drops or rebuilds those its migrations\' concurrent builds left (matched by definition); drop any other with DROP INDEX CONCURRENTLY');
  if (report.lastRun?.outcome === 'failed') problems.push('the last run failed: fix the cause, then `pnpm sdk db migrate` resumes');
  const unfinished = (report.dataMigrations ?? []).filter((d) => d.state !== 'finished');
  if (unfinished.length) problems.push(`${unfinished.length} data migration(s) not finished (${unfinished.map((d) => `${d.name}: ${d.state}`).join(', ')}): \`pnpm sdk db migrate\` runs them in their turn`);
  const operations = report.operations ?? [];
  const toExpand = operations.filter((o) => ['not-started', 'expanding', 'rolled-back'].includes(o.state) && o.migrations.some((m) => m.phase === 'expand'));
  const toDeploy = operations.filter((o) => o.state === 'expanded' && o.migrations.some((m) => m.phase === 'contract'));
  if (count('pending')) {
    const resume = report.lastRun?.outcome === 'interrupted' ? ' (the last run was interrupted; it resumes where it stopped, nothing needs fixing)' : '';
    // An operation's contract must wait for the deploy: a plain migrate would run it right after the expand.
    const next = toExpand.length
      ? `\`pnpm sdk db migrate --phase expand\` (operation ${toExpand.map((o) => o.name).join(', ')}: expand first, deploy, then \`pnpm sdk db migrate\`)`
      : toDeploy.length
        ? `\`pnpm sdk db migrate\` once the application version that works with ${toDeploy.map((o) => `${o.summary} (${o.name})`).join(', ')} is deployed`
        : '`pnpm sdk db migrate`';
    problems.push(`${count('pending')} pending: run ${next}${resume}`);
  }
  const commentsOnly = report.migrations.filter((m) => m.edit?.change === 'comments').map((m) => m.tag);
  const note = commentsOnly.length ? ` (${commentsOnly.join(', ')}: comments edited since applied, nothing that runs changed; \`pnpm sdk db repair --accept TAG\` records the new text)` : '';
  return problems.length === 0 ? `Up to date.${note}` : `Needs attention: ${problems.join('; ')}.${note}`;
}

function backupLine(b: NonNullable<StatusReport['backups']>): string {
  if (b.newestVerified) {
    const newer = b.newest && !b.newest.verified && b.newest.createdAt > b.newestVerified.createdAt ? ` (a newer one, ${age(b.newest.ageSeconds)} old, is not verified)` : '';
    return `Newest verified backup: ${age(b.newestVerified.ageSeconds)} old, ${b.newestVerified.path}${newer}`;
  }
  if (b.newest) return `Newest verified backup: none; the newest backup (${age(b.newest.ageSeconds)} old) is not verified: \`sdk db verify-backup ${b.newest.path}\``;
  return `Newest verified backup: none in ${b.dir}: \`sdk db backup --verify\``;
}
