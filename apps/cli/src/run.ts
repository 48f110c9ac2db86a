import { isMigratorError } from '@big0290/migrator';
import { Output } from './output.js';

/** Exit codes: success, failure or attention needed, bad usage. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

/**
 * The one error boundary: runs a command, prints a failure as one line (plus the next step),
 * and returns the exit code. Stacks only with --verbose; every line is scrubbed of secrets.
 */
export async function runCommand(
  flags: { json?: boolean | undefined; verbose?: boolean | undefined },
  command: (out: Output) => Promise<number>,
): Promise<number> {
  const out = new Output(flags);
  try {
    return await command(out);
  } catch (error) {
    return report(error, out);
  }
}

function report(error: unknown, out: Output): number {
  const code = error instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
  const message = error instanceof Error ? error.message : String(error);
  const hint = isMigratorError(error) ? error.hint : undefined;
  if (out.json) {
    out.resultJson({ error: { code: isMigratorError(error) ? error.code : code === EXIT_USAGE ? 'E_USAGE' : 'E_UNEXPECTED', message, hint: hint ?? null } });
  }
  out.info(`${out.style('red', 'error:')} ${message}`);
  if (hint) out.info(`${out.style('dim', 'hint:')} ${hint}`);
  if (out.verbose && error instanceof Error) {
    for (let e: unknown = error; e instanceof Error; e = e.cause) out.info(e.stack ?? String(e));
  } else if (!isMigratorError(error) && code !== EXIT_USAGE) {
    out.info('hint: run the command again with --verbose for details');
  }
  return code;
}
