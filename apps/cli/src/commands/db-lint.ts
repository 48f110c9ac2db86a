import { styleText } from 'node:util';
import { createRequire } from 'node:module';
import { relative, resolve } from 'node:path';
import { ALL_RULES, lintPaths, NEWEST_PG_VERSION, renderGithub, renderJson, renderPretty, renderSarif, type LintReport } from '@big0290/migrator/lint';
import type { LintFlags } from '../options.js';
import type { Output } from '../output.js';
import { migrationsFolderOf } from '../project.js';

/** How long `sdk db lint` waits for the target database to say its version before judging for the newest. */
const VERSION_PROBE_TIMEOUT_MS = 3_000;

/** `sdk db lint [paths...]`: exit 1 when an error-severity violation remains. */
export async function dbLint(paths: string[], options: LintFlags, out: Output): Promise<number> {
  if (options.listRules) {
    out.result(listRules(options.format === 'json' || options.json === true));
    return 0;
  }
  const targets = paths.length > 0 ? paths : [options.migrations ? resolve(options.migrations) : displayPath(await migrationsFolderOf(undefined))];
  const pgVersion = options.pgVersion ?? (await targetVersion(options, out)) ?? NEWEST_PG_VERSION;
  const { report, sources } = await lintPaths({ paths: targets, pgVersion });
  out.result(render(report, options.format === 'pretty' && options.json ? 'json' : options.format, sources));
  return report.errors > 0 ? 1 : 0;
}

function render(report: LintReport, format: LintFlags['format'], sources: Map<string, string>): string {
  switch (format) {
    case 'json':
      return renderJson(report);
    case 'github':
      return renderGithub(report);
    case 'sarif':
      return renderSarif(report, ALL_RULES, { version: (createRequire(import.meta.url)('../../package.json') as { version: string }).version });
    default: {
      const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
      return renderPretty(report, { sources, paint: color ? (style, text) => styleText(style, text) : undefined });
    }
  }
}

function listRules(json: boolean): string {
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
