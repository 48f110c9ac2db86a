import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { styleText } from 'node:util';
// The start path loads the file driver and the renderers only: lintPaths loads the parser and the
// rules when the cache does not answer for a file, and the registry is loaded for --list-rules and SARIF.
import { lintPaths, NEWEST_PG_VERSION, renderGithub, renderJson, renderPretty, renderSarif, type LintReport } from '@big0290/migrator/lint/run';
import type { RuleInfo } from '@big0290/migrator/lint';
import { withCommandFlags } from '../flags.js';
import type { LintFlags } from '../options.js';
import type { Output } from '../output.js';
import { migrationsFolderOf, projectRoot } from '../project.js';

/** How long `sdk db lint` waits for the target database to say its version before judging for the newest. */
const VERSION_PROBE_TIMEOUT_MS = 3_000;

/** `sdk db lint [paths...]`: exit 1 when an error-severity violation remains. */
export async function dbLint(paths: string[], options: LintFlags, out: Output): Promise<number> {
  if (options.listRules) {
    out.result(listRules(options.format === 'json' || options.json === true, (await import('@big0290/migrator/lint')).ALL_RULES));
    return 0;
  }
  const targets = paths.length > 0 ? paths : [options.migrations ? resolve(options.migrations) : displayPath(await migrationsFolderOf(undefined))];
  const pgVersion = options.pgVersion ?? (await targetVersion(options, out)) ?? NEWEST_PG_VERSION;
  const cacheFile = options.cache === false ? undefined : lintCacheFile(projectRoot());
  const { report, sources, cache } = await lintPaths({ paths: targets, pgVersion, cacheFile });
  if (cache?.problem) out.info(`note: the lint cache (${displayPath(cache.file)}) ${cache.problem}; the verdicts are not affected.`);
  if (cache && out.verbose) out.info(`lint cache ${displayPath(cache.file)}: ${cache.hits} file(s) from the cache, ${cache.misses} judged.`);
  const format = options.format === 'pretty' && options.json ? 'json' : options.format;
  const text = await render(report, format, sources);
  // A human reads pretty and GitHub output: the library's `sdk ...` with `option` advice as this CLI's flags.
  out.result(format === 'pretty' || format === 'github' ? withCommandFlags(text) : text);
  return report.errors > 0 ? 1 : 0;
}

/**
 * Where `sdk db lint` keeps its cache: `node_modules/.cache/sdk` of the project root, where JS
 * tools keep theirs (removed with node_modules, never committed). A project without node_modules
 * gets a file of its own in the user's cache folder (XDG_CACHE_HOME, else ~/.cache).
 */
export function lintCacheFile(root: string, env: NodeJS.ProcessEnv = process.env): string {
  if (existsSync(join(root, 'node_modules'))) return join(root, 'node_modules', '.cache', 'sdk', 'lint.json');
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'sdk', `lint-${createHash('sha256').update(root).digest('hex').slice(0, 16)}.json`);
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

/** A path relative to the current directory when it is below it (shorter messages and annotations). */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

/**
 * The major version of the target database when one is given (--database-url, DATABASE_URL,
 * .env): verdicts depend on it. Without one, the commands target the embedded PostgreSQL, so
 * judge for its version (read from the installed package, never by starting it). A database
 * that does not answer only costs a notice.
 */
async function targetVersion(options: LintFlags, out: Output): Promise<number | undefined> {
  // Loaded here, not at the top: dotenv pulls in node:crypto, which `--pg-version` runs never need.
  const { givenDatabaseUrl } = await import('../database-url.js');
  const given = givenDatabaseUrl(options.databaseUrl);
  if (!given) return (await import('@big0290/embedded')).embeddedPgMajor();
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
