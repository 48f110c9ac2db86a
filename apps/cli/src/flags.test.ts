import { describe, expect, it } from 'vitest';
import { OPTION_FLAGS, withFlags } from './flags.js';
import { buildProgram } from './program.js';

describe('the library\'s option names shown as CLI flags', () => {
  it('turns `name`, `name` value and `sdk ...` with `name` value into flags, and leaves other code alone', () => {
    expect(withFlags('or raise `lockTimeoutMs` (now 300 ms)')).toBe('or raise `--lock-timeout` (now 300 ms)');
    expect(withFlags('`to` 0005_x: no migration with that tag')).toBe('`--to 0005_x`: no migration with that tag');
    expect(withFlags('apply the expand phase first (`sdk db migrate` with `phase` expand), then')).toBe('apply the expand phase first (`sdk db migrate --phase expand`), then');
    expect(withFlags('run `sdk db migrate` with `resetProgress` 0004_x to run it again')).toBe('run `sdk db migrate --reset-progress 0004_x` to run it again');
    expect(withFlags('(`sdk db backups prune` with `keepDays` 7) or choose another `output`')).toBe('(`sdk db backups prune --keep-days 7`) or choose another `--output`');
    expect(withFlags('let the live catalog answer: `sdk db plan` with `databaseUrl` reads the column')).toBe('let the live catalog answer: `sdk db plan --database-url` reads the column');
    expect(withFlags('run `pnpm db:generate` or `sdk db status`; `pg_dump` 15')).toBe('run `pnpm db:generate` or `sdk db status`; `pg_dump` 15');
  });

  it('maps only to flags the CLI has', () => {
    const program = buildProgram(['node', 'sdk']);
    const flags = new Set<string>();
    const walk = (command: typeof program) => {
      for (const option of command.options) if (option.long) flags.add(option.long);
      for (const sub of command.commands) walk(sub);
    };
    walk(program);
    expect(Object.values(OPTION_FLAGS).filter((f) => !flags.has(f))).toEqual([]);
  });
});
