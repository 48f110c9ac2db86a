import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redactText } from '@big0290/migrator/redact';
import type { Command } from './commander.js';
import { HELP_FILE, HELP_FORMAT, hashOf, type HelpFile } from './help-fast.js';
import { buildProgram } from './program.js';

/**
 * Build step (build-help.ts runs it after tsc): every command's help as commander prints it, into
 * dist/help.json, for help-fast.ts to print without loading commander.
 */

/**
 * Each command's help (`''` for the program, `db status`), as outputHelp() writes it when stdout is
 * no terminal: commander's default width, and the writes kept apart.
 */
export function renderHelp(program: Command): Record<string, string[]> {
  const texts: Record<string, string[]> = {};
  const walk = (command: Command, path: string[]) => {
    const chunks: string[] = [];
    // Colors on, so nothing is stripped: the check below then proves there was nothing to strip,
    // and the text is the same whatever NO_COLOR, FORCE_COLOR or the terminal say.
    // No width, as commander's own getOutHelpWidth answers for a stdout that is no terminal
    // (its types say number).
    const noTerminal = (() => undefined) as unknown as () => number;
    command.configureOutput({ writeOut: (text) => chunks.push(text), getOutHelpWidth: noTerminal, getOutHasColors: () => true });
    command.outputHelp();
    for (const chunk of chunks) {
      // The fast path prints these as they are: they must hold nothing commander's output would
      // strip (ANSI escapes) or scrub without a password to scrub (URLs with credentials, password=).
      if (chunk.includes('\x1b') || redactText(chunk) !== chunk) {
        throw new Error(`the help of \`sdk ${path.join(' ')}\` holds an escape code or text that looks like a credential: help-fast.ts cannot print it as it is`);
      }
    }
    texts[path.join(' ')] = chunks;
    for (const sub of command.commands) walk(sub, [...path, sub.name()]);
  };
  walk(program, []);
  return texts;
}

/** The width commander wraps help to when stdout is no terminal (its default, or the program's). */
export function defaultHelpWidth(program: Command): number {
  const helper = program.createHelp();
  helper.prepareContext({});
  return helper.helpWidth!;
}

/**
 * `entry` and every module it imports statically (what is loaded when it is), with a hash of each,
 * paths relative to `dir`. Followed: relative imports and the workspace's own packages; a package
 * from the registry is recorded by its package.json (its version). Lazy `import()`s are not
 * followed: the program loads a command's handler only to run it.
 */
export function modulesOf(entry: string, dir: string): { path: string; hash: string | undefined }[] {
  const seen = new Set<string>();
  const queue = [entry];
  for (let file = queue.pop(); file; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    if (file.endsWith('package.json')) continue;
    const require = createRequire(file);
    for (const specifier of staticImports(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('node:')) continue;
      if (specifier.startsWith('.')) {
        queue.push(resolve(dirname(file), specifier));
        continue;
      }
      const resolved = require.resolve(specifier);
      queue.push(resolved.split(sep).includes('node_modules') ? packageJsonOf(resolved, specifier) : resolved);
    }
  }
  return [...seen].sort().map((file) => ({ path: relative(dir, file).split(sep).join('/'), hash: hashOf(readFileSync(file)) }));
}

/** The specifiers of a compiled module's static imports and re-exports, and of `createRequire(...)('...')`. */
function staticImports(text: string): string[] {
  return [...text.matchAll(/^\s*(?:import|export)\s(?:[^'";]*?\sfrom\s*)?(['"])([^'"]+)\1|\bcreateRequire\([^)]*\)\(\s*(['"])([^'"]+)\3/gm)].map((m) => (m[2] ?? m[4])!);
}

/** The package.json of the registry package `specifier` names, from a file of it that `resolved` is. */
function packageJsonOf(resolved: string, specifier: string): string {
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  const root = `${sep}node_modules${sep}${name.split('/').join(sep)}${sep}`;
  return join(resolved.slice(0, resolved.lastIndexOf(root) + root.length), 'package.json');
}

/**
 * Writes help.json beside this module (dist/help.json) for the program beside it, after removing
 * the old one. Writes none on a Node without zlib.crc32 (hashOf): commander then answers.
 */
export function writeHelpFile(): HelpFile | undefined {
  const dir = dirname(fileURLToPath(import.meta.url));
  const file = join(dir, HELP_FILE);
  rmSync(file, { force: true });
  const found = modulesOf(join(dir, 'program.js'), dir);
  const modules = found.filter((m): m is HelpFile['modules'][number] => m.hash !== undefined);
  if (modules.length < found.length) {
    console.warn(`no ${HELP_FILE}: Node ${process.version} has no zlib.crc32 (20.16 or later has); sdk --help goes through commander`);
    return undefined;
  }
  const program = buildProgram(['node', 'sdk']);
  const help: HelpFile = { format: HELP_FORMAT, width: defaultHelpWidth(program), modules, commands: renderHelp(program) };
  writeFileSync(file, `${JSON.stringify(help)}\n`);
  return help;
}
