import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../__fixtures__/harness.js';
import { backfillCommand, backfillOfUpdate, shellWord } from './backfill-helpers.js';

beforeAll(loadParser);

const command = (sql: string, variables?: string[]) => backfillCommand(backfillOfUpdate(sql, variables)!);

describe('the sdk db backfill command of a help text', () => {
  it('is built from the UPDATE: its table, SET list and WHERE, drizzle-kit quotes dropped where the names read the same bare', () => {
    expect(command(`UPDATE "auth"."users" SET "status" = 'active' WHERE "status" IS NULL`)).toBe(
      `sdk db backfill --table auth.users --set "status = 'active'" --where "status IS NULL"`,
    );
    expect(command('UPDATE "Shop"."Orders" SET "Total" = "price" * 2')).toBe(`sdk db backfill --table '"Shop"."Orders"' --set '"Total" = price * 2'`);
  });

  it('keeps the inner condition of a batch, which the engine makes by itself', () => {
    expect(command('UPDATE items SET score = id % 100 WHERE id IN (SELECT id FROM items WHERE score IS NULL ORDER BY id LIMIT 1000 FOR UPDATE SKIP LOCKED)')).toBe(
      'sdk db backfill --table items --set "score = id % 100" --where "score IS NULL"',
    );
    expect(command('UPDATE items SET score = 0 WHERE id IN (SELECT id FROM items LIMIT 1000)')).toBe('sdk db backfill --table items --set "score = 0"');
  });

  it('leaves for the user what cannot run outside the statement: a FROM list, a PL/pgSQL variable', () => {
    expect(command('UPDATE items SET score = s.value FROM scores s WHERE s.id = items.id')).toBe(
      'sdk db backfill --table items --set "<column> = <expression>" --where "<rows that still need it>"',
    );
    expect(command('UPDATE items SET score = v WHERE score IS NULL', ['v'])).toBe('sdk db backfill --table items --set "<column> = <expression>" --where "score IS NULL"');
  });

  it('quotes each value for a POSIX shell', () => {
    expect(shellWord('public.items')).toBe('public.items');
    expect(shellWord('a = $1')).toBe("'a = $1'");
    expect(shellWord("a = $1 || 'x'")).toBe(`"a = \\$1 || 'x'"`);
    expect(shellWord(`"a" = 'b"c'`)).toBe(`"\\"a\\" = 'b\\"c'"`);
  });
});
