import { isMigratorError } from '@big0290/migrator/errors';
import { EXIT_FAILURE, EXIT_USAGE } from './exit-codes.js';
import { EXIT_INTERRUPTED } from './interrupt.js';
import { withFlags } from './flags.js';
import { Output } from './output.js';
import { prepareRuntime } from './runtime.js';

export { EXIT_OK, EXIT_FAILURE, EXIT_USAGE } from './exit-codes.js';

/** Bad input the user can fix by changing the command line (exit 2). */
export class UsageError extends Error {}

/**
 * The one error boundary: runs a command, prints a failure as one line (plus the next step for
 * errors that have one), and returns the exit code. Stacks only with --verbose; every line goes
 * through `Output`, which scrubs the target's password.
 */
export async function runCommand(
  flags: { json?: boolean | undefined; verbose?: boolean | undefined },
  command: (out: Output) => Promise<number>,
): Promise<number> {
  const out = new Output(flags);
  try {
    await prepareRuntime();
    return await command(out);
  } catch (error) {
    return reportError(error, out);
  }
}

/** Prints `error: ...` (and `hint: ...`) on stderr and returns the exit code for it. */
export function reportError(error: unknown, out: Output): number {
  const code = error instanceof UsageError ? EXIT_USAGE : isMigratorError(error) && error.code === 'E_INTERRUPTED' ? EXIT_INTERRUPTED : EXIT_FAILURE;
  const message = withFlags(oneLine(error instanceof Error ? error.message : String(error)));
  const hint = isMigratorError(error) && error.hint ? withFlags(error.hint) : undefined;
  const expected = isMigratorError(error) || code === EXIT_USAGE;
  if (out.json) {
    out.resultJson({ error: { code: isMigratorError(error) ? error.code : code === EXIT_USAGE ? 'E_USAGE' : 'E_UNEXPECTED', message, hint: hint ?? null } });
  }
  // An unexpected error is a bug or an environment problem: one line, and where to find more.
  out.info(`${out.style('red', 'error:')} ${message}${expected || out.verbose ? '' : ' (run again with --verbose for details)'}`);
  if (hint) out.info(`${out.style('dim', 'hint:')} ${oneLine(hint)}`);
  if (out.verbose && error instanceof Error) {
    for (let e: unknown = error; e instanceof Error; e = e.cause) out.info(e.stack ?? String(e));
  }
  return code;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
