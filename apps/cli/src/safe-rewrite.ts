import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { findSafeRewrites, isMigratorError, safeRewrite, type SafeRewriteFinding } from '@big0290/migrator';
import { type Output } from './output.js';
import { displayPath } from './project.js';
import { UsageError } from './run.js';

/** What `sdk db generate` did about the statements an expand/contract operation does safely. */
export interface SafeOutcome {
  /** The migration files now in the folder for drizzle-kit's tags (what to lint), when they were rewritten. */
  rewritten?: string[] | undefined;
  /** Statements --safe would have rewritten, when it was neither asked for nor accepted. */
  declined: SafeRewriteFinding[];
}

export interface SafeRewriteRequest {
  migrationsFolder: string;
  dataMigrationsFolder: string;
  /** The migrations drizzle-kit has just written. */
  tags: string[];
  /** --safe */
  safe: boolean;
  /** --backfill values by column. */
  backfill: Record<string, string>;
}

const COMMAND = 'sdk db generate --safe';

/** `--backfill auth.users.phone_number='unknown'` (repeatable) as `{ 'auth.users.phone_number': "'unknown'" }`. */
export function backfillValues(pairs: readonly string[] | undefined): Record<string, string> {
  const values: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    const column = pair.slice(0, Math.max(eq, 0)).trim();
    const value = pair.slice(eq + 1).trim();
    if (eq < 0 || !/^[^=\s]+\.[^=\s]+$/.test(column) || !value) {
      throw new UsageError(`--backfill ${pair}: expected schema.table.column=<SQL expression>, e.g. --backfill "auth.users.phone_number='unknown'"`);
    }
    values[column] = value;
  }
  return values;
}

/** Whether sdk may ask: a person at a terminal on both ends. */
export function interactive(out: Output): boolean {
  return process.stdin.isTTY === true && process.stdout.isTTY === true && !out.json;
}

/**
 * After drizzle-kit wrote `tags`: with --safe, rewrites each statement an operation does safely
 * as that operation's files; at a terminal, lists them and asks (and asks for each value for
 * existing rows still missing); otherwise only finds them, so the lint hint can name --safe.
 */
export async function offerSafeRewrite(request: SafeRewriteRequest, out: Output): Promise<SafeOutcome> {
  const options = { migrationsFolder: request.migrationsFolder, dataMigrationsFolder: request.dataMigrationsFolder, tags: request.tags, backfill: request.backfill, command: COMMAND };
  if (request.safe) {
    try {
      return { rewritten: await rewrite(options, out), declined: [] };
    } catch (error) {
      if (isMigratorError(error)) out.info(`--safe: nothing was rewritten; ${request.tags.join(', ')} ${request.tags.length === 1 ? 'stays' : 'stay'} as drizzle-kit wrote ${request.tags.length === 1 ? 'it' : 'them'}.`);
      throw error;
    }
  }
  let findings: SafeRewriteFinding[];
  try {
    findings = await findSafeRewrites(options);
  } catch (error) {
    // Not something --safe can do (it says why when asked): the lint below reports the statement.
    if (!isMigratorError(error)) throw error;
    if (out.verbose) out.info(`note: --safe could not rewrite this migration: ${error.message}`);
    return { declined: [] };
  }
  if (findings.length === 0 || !interactive(out)) return { declined: findings };
  out.info(['', describeFindings(findings, 'These statements lock a table with rows or break the running application; each has an expand/contract operation that does it safely:')].join('\n'));
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question('Rewrite them as expand/contract operations? [y/N] ');
    if (!/^y(es)?$/i.test(answer.trim())) return { declined: findings };
    const backfill = { ...request.backfill };
    for (const column of new Set(findings.flatMap((f) => (f.needsValue ? [f.needsValue] : [])))) {
      const value = (await prompt.question(`Value for the existing rows of ${column} (an SQL expression, e.g. 'unknown'; empty: write it into the data migration later): `)).trim();
      if (value) backfill[column] = value;
    }
    prompt.close();
    return { rewritten: await rewrite({ ...options, backfill }, out), declined: [] };
  } finally {
    prompt.close();
  }
}

function describeFindings(findings: readonly SafeRewriteFinding[], title: string): string {
  return [
    title,
    ...findings.map((f) => `  ${f.tag}.sql line ${f.line}: ${f.kind}: ${f.summary}${f.needsValue ? ` (needs a value for the existing rows of ${f.needsValue})` : ''}`),
  ].join('\n');
}

/** Rewrites, says what it wrote and what is left to do, and returns the migration files to lint. */
async function rewrite(options: Parameters<typeof safeRewrite>[0], out: Output): Promise<string[]> {
  const result = await safeRewrite(options);
  if (result.findings.length === 0) {
    out.info('--safe: nothing in what drizzle-kit wrote needs an expand/contract operation.');
    return [];
  }
  const files = result.rewritten.flatMap((r) => r.files);
  const lines = [describeFindings(result.findings, `--safe: rewrote ${result.rewritten.map((r) => r.tag).join(', ')} as expand/contract operations:`), 'Files now:'];
  for (const f of files.filter((p) => !p.includes('/meta/'))) lines.push(`  ${displayPath(f)}`);
  const unset: string[] = [];
  for (const f of files.filter((p) => p.endsWith('.mjs'))) {
    if ((await readFile(f, 'utf8').catch(() => '')).includes('const value = undefined;')) unset.push(displayPath(f));
  }
  if (unset.length > 0) {
    const columns = [...new Set(result.findings.flatMap((f) => (f.needsValue ? [f.needsValue] : [])))];
    lines.push(
      `No value for the existing rows of ${columns.join(', ') || 'the new column'} was given: set \`value\` (an SQL expression) in ${unset.join(' and ')}, or undo this generate and run it again with ${columns.map((c) => `--backfill "${c}=<value>"`).join(' ') || '--backfill'}; until then ${unset.length === 1 ? 'that data migration refuses' : 'those data migrations refuse'} to run.`,
    );
  }
  lines.push('Next: `pnpm sdk db migrate --phase expand`, deploy the application version that uses the new schema, then `pnpm sdk db migrate` (`pnpm sdk db status` shows each operation\'s phase).');
  out.info(lines.join('\n'));
  return files.filter((p) => p.endsWith('.sql'));
}
