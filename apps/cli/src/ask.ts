import { createInterface } from 'node:readline/promises';

/** Asks a yes/no question on the terminal (stderr); anything but y or yes, and Ctrl-C, is no. */
export async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  // Ctrl-C at the prompt reaches readline, not the process: it answers no.
  const cancel = new AbortController();
  rl.on('SIGINT', () => cancel.abort());
  try {
    return /^y(es)?$/i.test((await rl.question(question, { signal: cancel.signal })).trim());
  } catch {
    return false;
  } finally {
    rl.close();
  }
}
