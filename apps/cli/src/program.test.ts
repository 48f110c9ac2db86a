import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { sdk } from './__fixtures__/sdk.js';
import { buildProgram } from './program.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Every command under `command` with its path of names (`backups list`). */
function commands(command: Command, prefix: string[] = []): { path: string[]; command: Command }[] {
  return command.commands.flatMap((sub) => [{ path: [...prefix, sub.name()], command: sub }, ...commands(sub, [...prefix, sub.name()])]);
}

describe('the program built for one db command', () => {
  const whole = commands(buildProgram(['node', 'sdk']).commands.find((c) => c.name() === 'db')!);

  it('describes each command exactly as the whole program does: same help, same options', () => {
    expect(whole.length).toBeGreaterThan(20);
    for (const { path, command } of whole) {
      const db = buildProgram(['node', 'sdk', 'db', ...path, '--help']).commands[0]!;
      const alone = path.reduce<Command | undefined>((at, name) => at?.commands.find((c) => c.name() === name), db);
      expect(alone, path.join(' ')).toBeDefined();
      expect(alone!.helpInformation(), path.join(' ')).toBe(command.helpInformation());
      expect(alone!.options.map((o) => [o.flags, o.defaultValue]), path.join(' ')).toEqual(command.options.map((o) => [o.flags, o.defaultValue]));
    }
  });

  it('defines no other db command', () => {
    const db = buildProgram(['node', 'sdk', 'db', 'status', '--help']).commands[0]!;
    expect(db.commands.map((c) => c.name())).toEqual(['status']);
  });

  it('a name that is no command gets every command, for the suggestion and `db help`', () => {
    for (const name of ['stat', 'help']) {
      const db = buildProgram(['node', 'sdk', 'db', name]).commands[0]!;
      expect(db.commands.map((c) => c.name())).toEqual(whole.filter((c) => c.path.length === 1).map((c) => c.path[0]));
    }
  });
});

describe('the binary', () => {
  it('prints its version for --version and -V, alone (answered before commander loads) or with other arguments (by commander)', async () => {
    for (const args of [['--version'], ['-V'], ['--version', 'db'], ['db', '-V']]) {
      const run = await sdk(args);
      expect({ args, code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({ args, code: 0, stdout: `${VERSION}\n`, stderr: '' });
    }
  });

  it('suggests the command a typo meant, and shows a command\'s help through `db help`', async () => {
    const typo = await sdk(['db', 'stauts']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("unknown command 'stauts' (Did you mean status?)");
    const help = await sdk(['db', 'help', 'status']);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe((await sdk(['db', 'status', '--help'])).stdout);
  });
});

describe('the pg driver', () => {
  it('is loaded by a command that connects, and never by `db lint` without a database', async () => {
    const loads = (run: { stderr: string }) => /[\\/]pg[\\/]lib[\\/]index\.js/.test(run.stderr);
    const lint = await sdk(['db', 'lint', '--list-rules'], { env: { NODE_DEBUG: 'module' } });
    expect(lint.code).toBe(0);
    expect(loads(lint)).toBe(false);
    // Nothing listens on port 1: the command fails to connect, after loading the driver.
    const status = await sdk(['db', 'status'], { env: { NODE_DEBUG: 'module', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/db' } });
    expect(status.code).toBe(1);
    expect(loads(status)).toBe(true);
  });
});
