import { qualified, relationKey, relationOf, type AlterTableMoveAllStmt, type ObjectType } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import { ident } from '../rewrite.js';
import type { Finding, LintRule, RuleContext } from '../types.js';
import { alterCommands, indexOnNewTable, OwnStatement, sqlNames } from './rewrites-helpers.js';

/**
 * SET TABLESPACE copies every file of the relation to the new tablespace while holding ACCESS
 * EXCLUSIVE on it. For an index, queries on its table wait too: planning a query locks every
 * index of the table. ALTER ... ALL IN TABLESPACE does it for every relation there, keeping each
 * lock until the transaction ends. SET ACCESS METHOD copies the rows the same way (accessMethod).
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-TABLESPACE
 * https://www.postgresql.org/docs/current/sql-reindex.html
 */
export const settingTablespace = {
  id: 'setting-tablespace',
  severity: 'error',
  hazard: 'database',
  title: 'Moving a table, index or materialized view to another tablespace or access method',
  kinds: ['AlterTableMoveAllStmt', 'AlterTableStmt'],
  check(context) {
    const { statement } = context;
    if (statement.kind === 'AlterTableMoveAllStmt') return moveAll(statement.body);
    if (statement.kind !== 'AlterTableStmt') return undefined;
    const findings: Finding[] = [];
    for (const cmd of alterCommands(statement.body)) {
      if (cmd.subtype === 'AT_SetAccessMethod' && typeof cmd.name === 'string') {
        const finding = accessMethod(context, ident(cmd.name));
        if (finding) findings.push(finding);
      }
      if (cmd.subtype !== 'AT_SetTableSpace' || typeof cmd.name !== 'string') continue;
      const finding = move(context, statement.body.objtype, ident(cmd.name));
      if (finding) findings.push(finding);
    }
    return findings;
  },
} satisfies LintRule;

function move(context: RuleContext, objtype: ObjectType | undefined, tablespace: string): Finding | undefined {
  const relation = relationOf(context.statement);
  const key = relationKey(relation);
  const name = qualified(relation);
  const lock = `${describeLock('ACCESS EXCLUSIVE', name)} until the copy ends`;
  const own = OwnStatement.of(context.statement.sql, context.statement.node);
  const sqlName = sqlNames(own, own?.rangeVar ?? relation).table;
  switch (objtype) {
    case 'OBJECT_TABLE':
      if (context.isNewTable(key)) return undefined;
      return {
        message: `Moving ${name} to tablespace ${tablespace} copies every file of the table while every query on ${name} waits, which takes minutes on a big table (its indexes stay where they are).`,
        lock,
        help:
          `Instead, move it online with pg_repack, which holds ACCESS EXCLUSIVE only briefly at the start and the end: \`pg_repack --table=${name} --tablespace=${tablespace} --moveidx\`. ` +
          'Or run this at a quiet time, and create new tables in the right tablespace from the start (`CREATE TABLE ... TABLESPACE ...`).',
      };
    case 'OBJECT_INDEX':
      if (indexOnNewTable(context, key)) return undefined;
      return {
        message: `Moving index ${name} to tablespace ${tablespace} copies every file of the index while holding ACCESS EXCLUSIVE on it; queries on its table wait too, because planning a query locks every index of the table.`,
        lock,
        help:
          context.pgVersion >= 14
            ? `Build a copy in the new tablespace without blocking reads or writes instead: \`REINDEX (TABLESPACE ${tablespace}) INDEX CONCURRENTLY ${sqlName};\` (the runner runs it outside a transaction).`
            : `Instead, build a copy with the same definition in the new tablespace without blocking writes (\`CREATE INDEX CONCURRENTLY ... TABLESPACE ${tablespace}\`), then \`DROP INDEX CONCURRENTLY ${sqlName};\` and rename the copy. From PostgreSQL 14, \`REINDEX (TABLESPACE ${tablespace}) INDEX CONCURRENTLY ${sqlName};\` does it in one statement.`,
      };
    case 'OBJECT_MATVIEW':
      if (context.isNewTable(key)) return undefined;
      return {
        message: `Moving materialized view ${name} to tablespace ${tablespace} copies every file of the view while every query on it waits.`,
        lock,
        help: `Instead, create a new materialized view with the same query in that tablespace (\`CREATE MATERIALIZED VIEW ... TABLESPACE ${tablespace} AS ...\`), switch the application to it, and drop the old one in a contract migration.`,
      };
    default:
      return undefined;
  }
}

/**
 * SET ACCESS METHOD (PostgreSQL 15+) writes every row into the new access method's storage under
 * ACCESS EXCLUSIVE: the same copy as SET TABLESPACE, so the same rule reports it. Changing to the
 * method the table already has is a no-op (PostgreSQL 15 keeps the file), but the migrations do
 * not say which method a table has, so the finding names that exception.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-ACCESS-METHOD
 */
function accessMethod(context: RuleContext, method: string): Finding | undefined {
  const relation = relationOf(context.statement);
  const name = qualified(relation);
  if (context.isNewTable(relationKey(relation))) return undefined;
  return {
    message: `Changing ${name} to access method ${method} rewrites every row into the new storage while every query on ${name} waits, which takes minutes on a big table (unless ${name} already uses ${method}: then nothing changes).`,
    lock: `${describeLock('ACCESS EXCLUSIVE', name)} until the rewrite ends`,
    help: `Instead, create a new table \`USING ${method}\`, keep it in sync with a trigger, copy the rows in batches (\`sdk db backfill\`), switch the application to it and drop the old table in a contract migration; or run this at a quiet time.`,
  };
}

const MOVE_ALL_WORDS: Partial<Record<ObjectType, string>> = { OBJECT_TABLE: 'table', OBJECT_INDEX: 'index', OBJECT_MATVIEW: 'materialized view' };

function moveAll(body: AlterTableMoveAllStmt): Finding {
  const what = (body.objtype && MOVE_ALL_WORDS[body.objtype]) ?? 'relation';
  const from = ident(body.orig_tablespacename ?? '?');
  const to = ident(body.new_tablespacename ?? '?');
  return {
    message: `Moving every ${what} in tablespace ${from} to ${to} copies all their files, locking each one with ACCESS EXCLUSIVE until the transaction ends; queries on each wait from the moment it is locked.`,
    lock: `${describeLock('ACCESS EXCLUSIVE', `every ${what} in tablespace ${from}`)}, each held until the transaction ends`,
    help:
      'Instead, move them one at a time with an online method: pg_repack (`pg_repack --table=... --tablespace=... --moveidx`) for tables, ' +
      '`REINDEX (TABLESPACE ...) INDEX CONCURRENTLY ...` for indexes (PostgreSQL 14+).',
  };
}
