import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql, loadParser, rendered } from '../__fixtures__/harness.js';
import { lockingTable as rule } from './locking-table.js';

beforeAll(loadParser);

const lint = (sql: string) => lintSql(sql, { rules: [rule] });

describe('locking-table', () => {
  it('reports LOCK TABLE (ACCESS EXCLUSIVE by default) as an error', () => {
    const sql = 'LOCK TABLE "auth"."users";';
    const violations = lint(sql);
    expect(rendered(sql, violations)).toMatchInlineSnapshot(`
      "migration.sql:1:1  error  locking-table
        LOCK TABLE auth.users IN ACCESS EXCLUSIVE MODE holds its lock until the migration's transaction commits, through every later statement of the migration: it blocks every read and write.
        1 | LOCK TABLE "auth"."users";
          | ^
        lock: ACCESS EXCLUSIVE lock on auth.users (blocks every read and write), held until the transaction commits
        help: Remove the LOCK TABLE: each statement takes the lock it needs, and the runner's lock_timeout keeps it from queueing in front of your traffic. If you do need it (to stop writes during a data fix, say), keep it as short as possible: put it in a migration of its own, right before the statements that need it, in the weakest mode that works."
    `);
  });

  it('reports a mode that blocks writes as an error, naming every table', () => {
    const [v] = lint('LOCK TABLE orders, "auth"."users" IN SHARE MODE;');
    expect(v).toMatchObject({ severity: 'error' });
    expect(v?.message).toContain('LOCK TABLE orders, auth.users IN SHARE MODE');
  });

  it('warns about a mode that lets writes continue', () => {
    const sql = 'LOCK TABLE orders IN SHARE UPDATE EXCLUSIVE MODE;';
    expect(rendered(sql, lint(sql))).toMatchInlineSnapshot(`
      "migration.sql:1:1  warning  locking-table
        LOCK TABLE orders IN SHARE UPDATE EXCLUSIVE MODE holds its lock until the migration's transaction commits, through every later statement of the migration: it blocks VACUUM, ANALYZE and other schema changes; reads and writes continue.
        1 | LOCK TABLE orders IN SHARE UPDATE EXCLUSIVE MODE;
          | ^
        lock: SHARE UPDATE EXCLUSIVE lock on orders (blocks VACUUM, ANALYZE and other schema changes; reads and writes continue), held until the transaction commits
        help: Remove the LOCK TABLE: each statement takes the lock it needs, and the runner's lock_timeout keeps it from queueing in front of your traffic. If you do need it (to stop writes during a data fix, say), keep it as short as possible: put it in a migration of its own, right before the statements that need it, in the weakest mode that works."
    `);
    expect(lint('LOCK orders IN ROW EXCLUSIVE MODE NOWAIT;')[0]?.severity).toBe('warning');
  });

  it('accepts locking a table created earlier in the same file', () => {
    expect(lint('CREATE TABLE t (x int);\nLOCK TABLE t IN ACCESS EXCLUSIVE MODE;')).toEqual([]);
  });

  it('finds LOCK TABLE inside a DO block', () => {
    expect(lint('DO $$ BEGIN\n  LOCK TABLE orders IN EXCLUSIVE MODE;\nEND $$;')).toMatchObject([{ line: 2, column: 3, severity: 'error' }]);
  });
});
