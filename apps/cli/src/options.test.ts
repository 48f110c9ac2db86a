import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from './program.js';

/** Every command of the program with its full name (`db backups list`). */
function commands(command: Command, prefix = ''): { name: string; command: Command }[] {
  const name = `${prefix}${command.name()}`;
  return [{ name, command }, ...command.commands.flatMap((sub) => commands(sub, `${name} `))];
}

describe('the options', () => {
  const all = commands(buildProgram(['node', 'sdk']));

  it('an option several commands share reads the same in each: it is declared once', () => {
    const descriptions = new Map<string, Set<string>>();
    for (const { command } of all) {
      for (const option of command.options) {
        if (!option.long) continue;
        descriptions.set(option.long, (descriptions.get(option.long) ?? new Set()).add(option.description));
      }
    }
    // These say what they are for (the database to back up, the tool it runs, what the timeout bounds,
    // the name of a migration file, of a backfill's checkpoint or of an operation, the rows a
    // backfill changes or a partial index covers, the value for existing rows of one operation or
    // of each column --safe makes NOT NULL).
    const perCommand = new Set(['--database-url', '--pg-bin-dir', '--lock-timeout', '--pg-version', '--format', '--smoke', '--jobs', '--dry-run', '--name', '--where', '--backfill']);
    const differing = [...descriptions].filter(([flag, texts]) => texts.size > 1 && !perCommand.has(flag)).map(([flag, texts]) => `${flag}: ${[...texts].join(' | ')}`);
    expect(differing).toEqual([]);
  });

  it('every command that can start the embedded PostgreSQL takes --embedded, and only those', () => {
    const takes = all.filter(({ command }) => command.options.some((o) => o.long === '--embedded')).map(({ name }) => name);
    expect(takes).toEqual(['sdk db migrate', 'sdk db deploy', 'sdk db rollback', 'sdk db new', 'sdk db rollback-operation', 'sdk db backfill', 'sdk db backfills', 'sdk db locks', 'sdk db maintenance', 'sdk db status', 'sdk db repair', 'sdk db studio', 'sdk db plan', 'sdk db backup', 'sdk db verify-backup', 'sdk db restore']);
  });
});
