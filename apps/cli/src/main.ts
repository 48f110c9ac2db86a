import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { EXIT_OK, EXIT_USAGE } from './run.js';

/** Parses argv and runs the command; returns the exit code (nothing here calls process.exit). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed its one-line message (or the help text).
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    throw error;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
}
