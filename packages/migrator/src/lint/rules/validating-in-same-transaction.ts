import { qualified, relationKey } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import { ident } from '../rewrite.js';
import type { Finding, LintRule, RuleContext } from '../types.js';
import { addedConstraint, alterCommands, tableOf } from './constraints-helpers.js';

/**
 * ADD CONSTRAINT ... NOT VALID followed by VALIDATE CONSTRAINT in the same transaction gains
 * nothing: the ADD's lock (ACCESS EXCLUSIVE for a CHECK, SHARE ROW EXCLUSIVE on both tables for a
 * FOREIGN KEY) is held until commit, so it is still held while VALIDATE reads every row. Only in
 * a later transaction does VALIDATE run under its own SHARE UPDATE EXCLUSIVE lock alone, which
 * lets reads and writes continue.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
 */
export const validatingInSameTransaction = {
  id: 'validating-in-same-transaction',
  severity: 'error',
  hazard: 'database',
  title: 'Validating a constraint in the transaction that added it',
  kinds: ['AlterTableStmt'],
  check(context) {
    const { statement, isNewTable, knowledge } = context;
    const commands = alterCommands(statement);
    if (!commands.some((cmd) => cmd.subtype === 'AT_ValidateConstraint')) return undefined;
    const table = tableOf(statement);
    // A table created earlier in this file is empty: the validation reads nothing.
    if (isNewTable(table.key)) return undefined;
    const findings: Finding[] = [];
    for (const cmd of commands) {
      if (cmd.subtype !== 'AT_ValidateConstraint' || typeof cmd.name !== 'string') continue;
      const info = knowledge.constraint(table.key, cmd.name);
      // Added validated (VALIDATE is then a no-op), or by an earlier migration: nothing to report.
      if (!info || info.validated || info.addedIn.file !== knowledge.file) continue;
      const added = addedBy(context, cmd.name, info.addedIn.statement);
      if (!added || added.transaction !== statement.transaction) continue;
      const lock = info.kind === 'foreign'
        ? describeLock('SHARE ROW EXCLUSIVE', added.referenced && added.referenced.key !== table.key ? `${table.shown} and ${added.referenced.shown}` : table.shown)
        : describeLock('ACCESS EXCLUSIVE', table.shown);
      const what = info.kind === 'foreign' ? 'foreign key' : info.kind === 'check' ? 'CHECK constraint' : 'constraint';
      findings.push({
        message: `Validating ${what} ${cmd.name} in the transaction that added it reads every row of ${table.shown} while the lock taken by its ADD CONSTRAINT is still held, so ${info.kind === 'foreign' ? 'writes wait' : 'reads and writes wait'} as if NOT VALID had not been used.`,
        lock: `${lock}, taken by the ADD CONSTRAINT (line ${added.line}) and held until the migration commits`,
        help: `Move \`ALTER TABLE ${table.sql} VALIDATE CONSTRAINT ${ident(cmd.name)};\` into the next migration (\`pnpm db:generate --custom\`): there it takes only a SHARE UPDATE EXCLUSIVE lock, so reads and writes continue while it checks the rows.`,
      });
    }
    return findings;
  },
} satisfies LintRule;

/** The statement of this file that added the constraint (inside a DO block, the embedded one). */
function addedBy(context: RuleContext, name: string, index: number) {
  for (const s of context.statements) {
    if (s.index !== index) continue;
    for (const cmd of alterCommands(s)) {
      const constraint = addedConstraint(cmd);
      if (constraint?.conname !== name) continue;
      const referenced = constraint.pktable ? { key: relationKey(constraint.pktable), shown: qualified(constraint.pktable) } : undefined;
      return { line: s.line, transaction: s.transaction, referenced };
    }
  }
  return undefined;
}
