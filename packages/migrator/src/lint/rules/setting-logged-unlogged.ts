import { qualified, relationKey } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import type { Finding, LintRule } from '../types.js';
import { alterCommands, altersTable, numbered, OwnStatement, sqlNames } from './rewrites-helpers.js';

/**
 * SET LOGGED and SET UNLOGGED copy the table into a new file under ACCESS EXCLUSIVE (SET LOGGED
 * also writes all of it to the WAL, which replicas then replay). An unlogged table is emptied
 * after a crash and is not replicated.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-LOGGED-UNLOGGED
 */
export const settingLoggedUnlogged = {
  id: 'setting-logged-unlogged',
  severity: 'error',
  hazard: 'database',
  title: 'Switching an existing table between LOGGED and UNLOGGED',
  kinds: ['AlterTableStmt'],
  check({ statement, isNewTable }) {
    if (!altersTable(statement) || isNewTable(relationKey(statement.body.relation))) return undefined;
    const name = qualified(statement.body.relation);
    const findings: Finding[] = [];
    for (const cmd of alterCommands(statement.body)) {
      if (cmd.subtype !== 'AT_SetLogged' && cmd.subtype !== 'AT_SetUnLogged') continue;
      const own = OwnStatement.of(statement.sql, statement.node);
      const names = sqlNames(own, own?.rangeVar ?? statement.body.relation);
      const waits = `while every query on ${name} waits, which takes minutes on a big table`;
      const lock = `${describeLock('ACCESS EXCLUSIVE', name)} until the copy ends`;
      if (cmd.subtype === 'AT_SetLogged') {
        findings.push({
          message: `Setting ${name} LOGGED rewrites the whole table and writes all of it to the WAL ${waits}; replicas fall behind while they replay it.`,
          lock,
          help: `Instead, copy it into a new logged table while the old one keeps serving:\n${numbered([
            `Create the copy and keep it in step: \`CREATE TABLE ${names.sibling('_new')} (LIKE ${names.table} INCLUDING ALL);\` and triggers on ${names.table} that repeat every INSERT, UPDATE and DELETE on it.`,
            'Copy the existing rows in batches, each batch in its own transaction (from a script or job).',
            'Swap the names in one short transaction (RENAME the old table away, RENAME the copy into place) in a contract migration, then drop the old table.',
          ])}\nFor a small table, run it at a quiet time and add \`-- sdk-lint-ignore setting-logged-unlogged: <reason>\` on the line before.`,
        });
      } else {
        findings.push({
          message: `Setting ${name} UNLOGGED rewrites the whole table ${waits}; afterwards its rows are not replicated and the table is emptied after a crash.`,
          lock,
          help: 'Keep the table logged. For scratch data that may be lost, create a new table with `CREATE UNLOGGED TABLE ...` and write to it instead.',
        });
      }
    }
    return findings;
  },
} satisfies LintRule;
