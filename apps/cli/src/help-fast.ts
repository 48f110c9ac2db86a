import { readFileSync } from 'node:fs';

/**
 * `sdk db status --help` and the other ways of asking for help, answered without commander (issue
 * 15): loading commander and defining the program were most of what that start spent beyond Node's
 * own. The build renders
 * every command's help with commander into dist/help.json (help-render.ts, after tsc); this module
 * prints it when commander would print the same bytes, and otherwise answers undefined, so the
 * binary goes on to commander. help-fast.test.ts compares every stored text with commander's.
 */

/** The file the build writes beside this module. */
export const HELP_FILE = 'help.json';

/** Bumped when the file's shape changes: a file of another shape is not read. */
export const HELP_FORMAT = 1;

export interface HelpFile {
  format: typeof HELP_FORMAT;
  /** The width commander wrapped the texts to: its default, used when stdout is no terminal. */
  width: number;
  /**
   * The modules the texts came from (program.js and every module it imports, commander's
   * package.json), relative to the help file's folder, with a hash of each: when one differs (a
   * `tsc` run without the rest of the build, another commander), the texts may be stale and
   * commander answers.
   */
  modules: { path: string; hash: string }[];
  /**
   * Each command's help by its path ('' for `sdk`, 'db status'): what commander writes, one
   * string per write (each write is scrubbed on its own, so the chunks are kept apart).
   */
  commands: Record<string, string[]>;
}

/** What commander uses to choose the width (`getOutHelpWidth`): the terminal's columns, if a terminal. */
export interface HelpStdout {
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

/**
 * The command path whose help `args` (argv after the script) asks for, in one of the forms
 * commander answers with that help and nothing else: `<path> --help`, `<path> -h`, and for a
 * command with subcommands `<path> help` and `<path> help <subcommand>`. Undefined for anything
 * else (other arguments, an unknown name, `help` on a command without subcommands).
 */
export function helpPathOf(args: readonly string[], paths: ReadonlySet<string>): string | undefined {
  if (args.some((arg) => arg === '' || arg.includes(' '))) return undefined;
  const last = args.at(-1);
  if (last === '--help' || last === '-h') {
    const path = args.slice(0, -1).join(' ');
    return paths.has(path) ? path : undefined;
  }
  const help = args.lastIndexOf('help');
  if (help < 0 || help < args.length - 2) return undefined;
  const parent = args.slice(0, help).join(' ');
  if (!hasSubcommands(parent, paths)) return undefined;
  const path = help === args.length - 1 ? parent : [...args.slice(0, help), args[help + 1]].join(' ');
  return paths.has(path) ? path : undefined;
}

function hasSubcommands(path: string, paths: ReadonlySet<string>): boolean {
  const prefix = path === '' ? '' : `${path} `;
  for (const other of paths) if (other !== path && other.startsWith(prefix)) return true;
  return false;
}

/**
 * The help text to print for `args`, exactly as commander would print it to `stdout`, or undefined
 * when commander must answer: no help asked for in a form helpPathOf knows, a terminal whose width
 * is not the one the texts were wrapped to, or a help file that is missing, unreadable, of another
 * format or stale. Never throws for a bad file.
 */
export async function storedHelp(args: readonly string[], stdout: HelpStdout, file: URL = new URL(HELP_FILE, import.meta.url)): Promise<string | undefined> {
  let stored: HelpFile;
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as HelpFile;
  } catch {
    return undefined;
  }
  if (stored?.format !== HELP_FORMAT || typeof stored.width !== 'number' || typeof stored.commands !== 'object' || !Array.isArray(stored.modules)) return undefined;
  const path = helpPathOf(args, new Set(Object.keys(stored.commands ?? {})));
  const chunks = path === undefined ? undefined : stored.commands[path];
  if (!Array.isArray(chunks)) return undefined;
  // commander wraps to process.stdout.columns on a terminal, else to its default.
  if (((stdout.isTTY ? stdout.columns : undefined) ?? stored.width) !== stored.width) return undefined;
  if (!stored.modules.every((m) => typeof m?.path === 'string' && typeof m.hash === 'string' && hashOfFile(new URL(m.path, file)) === m.hash)) return undefined;
  // commander's writes go through the program's Output, which scrubs the password of
  // DATABASE_URL (any other scrubbing changes no help text: help-render.ts checks).
  if (!process.env.DATABASE_URL) return chunks.join('');
  const { Output } = await import('./output.js');
  const out = new Output();
  return chunks.map((chunk) => out.scrub(chunk)).join('');
}

/** Prints the stored help for `args` on stdout, if storedHelp has it; says whether it did. */
export async function printStoredHelp(args: readonly string[]): Promise<boolean> {
  const help = await storedHelp(args, process.stdout);
  if (help !== undefined) process.stdout.write(help);
  return help !== undefined;
}

function hashOfFile(url: URL): string | undefined {
  try {
    return hashOf(readFileSync(url));
  } catch {
    return undefined;
  }
}

/**
 * A CRC-32 of `bytes`, with their length: tells one version of a module from another, natively
 * (zlib.crc32, Node 20.15+, reached through process.getBuiltinModule, 20.16+). A hash in
 * JavaScript took 1 to 4 ms before V8 had compiled it, and node:crypto as long just to load.
 * Undefined on an older Node: the build then writes no help file, and commander answers.
 */
export function hashOf(bytes: Uint8Array): string | undefined {
  const zlib = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule?.('node:zlib') as { crc32?: (data: Uint8Array) => number } | undefined;
  const crc = zlib?.crc32?.(bytes);
  return crc === undefined ? undefined : `${bytes.length}:${crc.toString(16)}`;
}
