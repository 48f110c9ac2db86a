import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { unnamedConcurrentIndex as rule } from './unnamed-concurrent-index.js';

beforeAll(loadParser);

const lint = (sql: string) => lintSql(sql, { rules: [rule] });
const help = (sql: string) => lint(sql)[0]?.help;

describe('unnamed-concurrent-index', () => {
  it('warns about a concurrent index without a name and names it the way PostgreSQL would', () => {
    const sql = 'CREATE INDEX CONCURRENTLY ON "t" ("v");';
    const violations = lint(sql);
    expect(violations.map((v) => [v.rule, v.severity])).toEqual([['unnamed-concurrent-index', 'warning']]);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  warning  unnamed-concurrent-index
        This concurrent index has no name. If its build fails or times out, PostgreSQL leaves an INVALID index behind that slows every write to t, and each retry picks the next free name (t_v_idx, then t_v_idx1, ...), so leftovers are hard to find and a rerun cannot tell its own leftover from another index. \`sdk db migrate\` names the index before running it, with the name PostgreSQL would choose, but that name depends on what else exists in the schema.
        1 | CREATE INDEX CONCURRENTLY ON "t" ("v");
          | ^
        help: Give it a name: \`CREATE INDEX CONCURRENTLY "t_v_idx" ON "t" ("v");\` (the name PostgreSQL would pick; any name not yet taken in the schema works), so a failed build's leftover has a known name and \`sdk db migrate\` drops and rebuilds it."
    `);
  });

  it('warns about a UNIQUE one too, keeping the user\'s spelling and quoting', () => {
    expect(help('create unique index concurrently on auth.users using btree (lower(email)) include (id) where deleted_at is null')).toContain(
      '`create unique index concurrently users_lower_id_idx on auth.users using btree (lower(email)) include (id) where deleted_at is null;`',
    );
    expect(help('CREATE INDEX CONCURRENTLY ON "auth"."Users" ("teamId", "createdAt");')).toContain(
      '`CREATE INDEX CONCURRENTLY "Users_teamId_createdAt_idx" ON "auth"."Users" ("teamId", "createdAt");`',
    );
  });

  it('names expression columns after their function, or expr', () => {
    expect(help("CREATE INDEX CONCURRENTLY ON t ((data->>'kind'), (a + b), coalesce(c, 0));")).toContain('CONCURRENTLY t_expr_expr1_coalesce_idx ON');
  });

  it('accepts a named concurrent index', () => {
    expect(lint('CREATE INDEX CONCURRENTLY "t_v_idx" ON "t" ("v");')).toEqual([]);
    expect(lint('CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_v_key ON t (v);')).toEqual([]);
  });

  it('leaves an unnamed index built without CONCURRENTLY alone (a failed build leaves nothing behind)', () => {
    expect(lint('CREATE INDEX ON "t" ("v");')).toEqual([]);
  });

  it('leaves one inside a DO block to concurrently-in-transaction (it cannot run there at all)', () => {
    expect(lint('DO $$ BEGIN\n  CREATE INDEX CONCURRENTLY ON t (v);\nEND $$;')).toEqual([]);
  });
});
