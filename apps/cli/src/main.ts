import { CommanderError } from './commander.js';
import { EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { buildProgram } from './program.js';
import { Output } from './output.js';

/** Parses argv and runs the command; returns the exit code (nothing here calls process.exit). */
export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  const program = buildProgram(argv);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed its one-line message (or the help text), scrubbed.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    // Commands report their own errors through runCommand; this catches anything outside one.
    // run.js (the error boundary and what it imports) loads only when needed: not for --help.
    const { reportError } = await import('./run.js');
    return reportError(error, new Output({ verbose }));
  }
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
}
