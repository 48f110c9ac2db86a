import { appendFile, open, type FileHandle } from 'node:fs/promises';
import { deploy, DeployRefusedError, flushSpans, redactUrl, type DeployEvent, type DeployReport, type DeployStep } from '@big0290/migrator';
import { redactWebhookUrl } from '@big0290/migrator/redact';
import { ask } from '../ask.js';
import { backupDirOf } from '../backup-dir.js';
import { withFlags } from '../flags.js';
import { interruptible } from '../interrupt.js';
import type { BackupDirFlags, DataMigrationsFlags, MigrationsFlags, PgToolFlags, TargetFlags } from '../options.js';
import { duration, type Output } from '../output.js';
import { ProgressDisplay } from '../progress.js';
import { dataMigrationsFolderOf, migrationsFolderOf } from '../project.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from '../run.js';
import { resolveTarget } from '../target.js';

export interface DbDeployOptions extends TargetFlags, MigrationsFlags, DataMigrationsFlags, BackupDirFlags, PgToolFlags {
  phase?: 'expand' | 'contract' | 'all' | undefined;
  smokeSql?: string | undefined;
  maintenance?: boolean | undefined;
  window?: string | undefined;
  notify?: string | undefined;
  allowLintErrors?: boolean | undefined;
  force?: boolean | undefined;
  yes?: boolean | undefined;
  lockTimeout?: number | undefined;
  lockWait?: number | undefined;
  healthUrl?: string | undefined;
  maxReplicaLag?: number | undefined;
  maxPause?: number | undefined;
  events?: string | undefined;
  scratchUrl?: string | undefined;
  retryFor?: number | undefined;
}

/** Exit code of a deploy the preflight refused (nothing was changed); bad usage shares it. */
export const EXIT_REFUSED = EXIT_USAGE;

/**
 * `sdk db deploy`: the library's `deploy` with a live checklist on stderr, the report on stdout
 * (one JSON object with --json), and under GitHub Actions the report appended as markdown to
 * $GITHUB_STEP_SUMMARY. Exit 0 done, 1 failed (the report shows the rollback command), 2 refused.
 */
export async function dbDeploy(options: DbDeployOptions, out: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const migrationsFolder = await migrationsFolderOf(options.migrations);
  const dataMigrationsFolder = await dataMigrationsFolderOf(options.dataMigrations, migrationsFolder);
  const target = await resolveTarget(options, out);
  const where = redactUrl(target.url);
  const phase = options.phase ?? 'all';
  // The webhook's path and query are its secret, as may be the health URL's: never printed,
  // whatever echoes them (the events file too).
  for (const url of [options.notify, options.healthUrl]) if (url) for (const part of urlSecretParts(url)) out.addSecret(part);
  out.addSecretsOf(options.scratchUrl);
  const events = options.events ? await EventsFile.open(options.events, out) : undefined;
  const stop = interruptible(out);
  const progress = new ProgressDisplay(out);
  try {
    if (!options.yes) {
      // A script (no terminal, or --json) cannot answer a prompt: it says --yes up front.
      if (!process.stdin.isTTY || !process.stderr.isTTY || out.json) {
        throw new UsageError(`deploying changes ${where} and there is no terminal to confirm on: add --yes to deploy without asking`);
      }
      if (!(await ask(`Deploy the pending migrations (phase ${phase}) to ${where}? [y/N] `))) {
        out.result('Deploy cancelled: nothing was changed.');
        return EXIT_FAILURE;
      }
    }
    const live = !out.json || out.verbose;
    const watching = options.healthUrl ? `, watching ${redactWebhookUrl(options.healthUrl)}` : '';
    if (live) out.info(`Deploying to ${where} (phase ${phase})${options.notify ? `, notifying ${redactWebhookUrl(options.notify)}` : ''}${watching}:`);
    let report: DeployReport;
    let code: number;
    try {
      report = await deploy({
        databaseUrl: target.url,
        migrationsFolder,
        dataMigrationsFolder,
        backupDir: backupDirOf(options.backupDir),
        pgBinDir: options.pgBinDir,
        phase,
        smokeSql: options.smokeSql,
        maintenance: options.maintenance,
        window: options.window,
        notifyUrl: options.notify,
        allowLintErrors: options.allowLintErrors,
        force: options.force,
        lockTimeoutMs: options.lockTimeout,
        advisoryLockWaitMs: options.lockWait,
        retryForMs: options.retryFor,
        healthUrl: options.healthUrl,
        scratchUrl: options.scratchUrl,
        maxReplicaLagMs: options.maxReplicaLag,
        watch: options.maxPause === undefined ? undefined : { maxPauseMs: options.maxPause },
        onDeployEvent: (event) => {
          events?.write(event);
          // The watcher's pauses as they happen: the person at the terminal sees why it waits.
          if (!live) return;
          if (event.type === 'watch-pause') {
            progress.stop();
            out.info(`  paused before ${event.before}: ${event.reasons.map(withFlags).join('; ')}`);
          } else if (event.type === 'watch-resume') out.info(`  resumed after ${duration(event.pausedMs)}`);
        },
        signal: stop.signal,
        onBackupProgress: progress.update,
        onStep: (step) => {
          progress.stop();
          if (live) out.info(stepLines(step, out).join('\n'));
        },
      });
      code = report.ok ? EXIT_OK : EXIT_FAILURE;
    } catch (error) {
      if (!(error instanceof DeployRefusedError)) throw error;
      report = error.report;
      code = EXIT_REFUSED;
    }
    progress.stop();
    const summaryFile = env.GITHUB_STEP_SUMMARY;
    if (summaryFile) await appendFile(summaryFile, out.scrub(markdown(report, where, code)));
    if (out.json) out.resultJson(report);
    else out.result(closing(report, code));
    return code;
  } finally {
    progress.stop();
    stop.dispose();
    await events?.close();
    await flushSpans();
    await target.close();
  }
}

/**
 * `--events FILE`: every event of the deploy as one JSON line, appended in order, scrubbed of
 * secrets like everything the CLI prints. A file that cannot be opened is a usage error before
 * anything starts; a write that fails later stops the lines, never the deploy.
 */
class EventsFile {
  private failed = false;
  private constructor(
    private readonly handle: FileHandle,
    private readonly out: Output,
  ) {}

  static async open(path: string, out: Output): Promise<EventsFile> {
    try {
      return new EventsFile(await open(path, 'a'), out);
    } catch (error) {
      throw new UsageError(`cannot write the events file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}; give --events a path in a folder that exists and is writable`);
    }
  }

  private chain: Promise<unknown> = Promise.resolve();

  readonly write = (event: DeployEvent): void => {
    if (this.failed) return;
    const line = `${this.out.scrub(JSON.stringify(event))}\n`;
    this.chain = this.chain.then(() => this.handle.appendFile(line)).catch(() => {
      this.failed = true;
    });
  };

  async close(): Promise<void> {
    await this.chain;
    await this.handle.close().catch(() => {});
    if (this.failed) this.out.info('warning: the events file could not be written to the end');
  }
}

/** The parts of a URL that may be its secret: the password, and the path and query (Slack's token, a health token). */
function urlSecretParts(url: string): string[] {
  try {
    const u = new URL(url);
    return [u.password, u.pathname.length > 1 ? u.pathname.slice(1) : '', u.search.slice(1)].filter((s) => s.length >= 4);
  } catch {
    return [url];
  }
}

const MARK: Record<DeployStep['status'], string> = { ok: '✓', failed: '✗', skipped: '-' };
const COLOR = { ok: 'green', failed: 'red', skipped: 'dim' } as const;

/** One checklist line per step, its problems below it. */
function stepLines(step: DeployStep, out: Output): string[] {
  const time = step.status === 'skipped' ? '' : ` (${duration(step.durationMs)})`;
  return [
    `${out.style(COLOR[step.status], MARK[step.status])} ${step.name.padEnd(15)} ${withFlags(step.detail)}${time}`,
    ...(step.problems ?? []).map((p) => `    - ${withFlags(p)}`),
  ];
}

/** What the person at the terminal needs last: the outcome, and the command that goes back. */
function closing(report: DeployReport, code: number): string {
  const lines: string[] = [];
  if (code === EXIT_REFUSED) {
    lines.push(`Deploy refused at preflight: nothing was changed.`);
    if (report.error?.hint) lines.push(`hint: ${withFlags(report.error.hint)}`);
  } else if (report.ok) {
    lines.push(`Deploy done in ${duration(report.durationMs)}: ${report.applied.length} migration${report.applied.length === 1 ? '' : 's'} applied${report.remaining.length ? `, ${report.remaining.length} held back by --phase ${report.phase}` : ''}.`);
    if (report.backup.path) lines.push(`Pre-deploy backup (verified): ${report.backup.path}`);
    if (report.rollback) lines.push(`To go back to before the deploy: ${report.rollback}`);
  } else {
    lines.push(`Deploy FAILED at ${report.error?.step ?? 'a step'}: ${withFlags(report.error?.message ?? 'see the steps above')}`);
    if (report.error?.hint) lines.push(`hint: ${withFlags(report.error.hint)}`);
    if (report.rollback) lines.push(`Pre-deploy backup (verified): ${report.backup.path}`, `To go back to before the deploy: ${report.rollback}`);
    else if (report.backup.path) {
      lines.push(`A backup was made but could not be verified (${report.backup.path}): it is not offered as the way back. The database was not changed by this deploy.`);
    } else lines.push('No backup was made: the database was not changed by this deploy.');
  }
  for (const n of report.notifications) if (!n.delivered) lines.push(`warning: ${n.event} notification not delivered: ${n.error ?? 'unknown reason'}`);
  return lines.join('\n');
}

/** The report as GitHub-flavoured markdown for the job's summary page. */
export function markdown(report: DeployReport, where: string, code: number): string {
  const outcome = code === EXIT_REFUSED ? 'refused at preflight (nothing was changed)' : report.ok ? 'done' : `FAILED at ${report.error?.step ?? 'a step'}`;
  const cell = (text: string) => withFlags(text).replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
  const lines = [
    `## sdk db deploy: ${outcome}`,
    '',
    `Target: \`${where}\`, phase ${report.phase}, ${duration(report.durationMs)}.`,
    '',
    '| Step | Status | Time | Detail |',
    '| --- | --- | --- | --- |',
    ...report.steps.map((s) => `| ${s.name} | ${MARK[s.status]} ${s.status} | ${s.status === 'skipped' ? '' : duration(s.durationMs)} | ${cell(s.detail)}${(s.problems ?? []).map((p) => `<br>- ${cell(p)}`).join('')} |`),
    '',
  ];
  if (report.backup.path) lines.push(`Pre-deploy backup: \`${report.backup.path}\` (${report.backup.verified ? 'verified' : 'not verified'})`, '');
  if (report.rollback) lines.push('To go back to before the deploy:', '', '```sh', report.rollback, '```', '');
  return `${lines.join('\n')}\n`;
}
