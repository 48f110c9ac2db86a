import { bodyOf, list, relationKey, type AlterTableCmd, type AlterTableType } from '../../sql/ast.js';
import type { Finding, LintRule, RuleContext } from '../types.js';
import { displayName, identLike, positionOf, relationCreatedInFile, relationLike, relationText } from './breaking-helpers.js';

type Which = { kind: 'all' } | { kind: 'user' } | { kind: 'named'; name: string };

const DISABLE: Partial<Record<AlterTableType, (cmd: AlterTableCmd) => Which>> = {
  AT_DisableTrigAll: () => ({ kind: 'all' }),
  AT_DisableTrigUser: () => ({ kind: 'user' }),
  AT_DisableTrig: (cmd) => ({ kind: 'named', name: cmd.name ?? '?' }),
};

/**
 * ALTER TABLE ... DISABLE TRIGGER takes effect for every session once the migration commits: the
 * running app's writes then skip the trigger (audit rows, derived columns, checks written as
 * triggers). DISABLE TRIGGER ALL also disables the internal triggers that enforce foreign keys,
 * so rows written meanwhile are never checked although the constraints still look valid (it needs
 * superuser rights for that reason).
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-DISABLE-ENABLE-TRIGGER
 */
export const disablingTriggers = {
  id: 'disabling-triggers',
  severity: 'error',
  hazard: 'database',
  title: 'Disabling triggers',
  kinds: ['AlterTableStmt'],
  check(context) {
    const { statement } = context;
    if (statement.kind !== 'AlterTableStmt') return undefined;
    const table = relationKey(statement.body.relation);
    if (!table) return undefined;
    const findings: Finding[] = [];
    for (const item of list(statement.body.cmds)) {
      const cmd = bodyOf(item, 'AlterTableCmd');
      const which = cmd?.subtype ? DISABLE[cmd.subtype]?.(cmd) : undefined;
      if (!which) continue;
      const enabled = reenabledLater(context, table, which);
      // Re-enabled before the migration commits: other sessions never write while it is off
      // (DISABLE TRIGGER holds SHARE ROW EXCLUSIVE until then). Only ALL still skips FK checks
      // for the migration's own writes; on a new table nobody else writes anyway.
      if (enabled && which.kind !== 'all') continue;
      if (enabled && relationCreatedInFile(context, table)) continue;
      findings.push(finding(context, table, which, enabled));
    }
    return findings;
  },
} satisfies LintRule;

function finding(context: RuleContext, table: string, which: Which, enabled: boolean): Finding {
  const userText = relationText(context.statement.sql, table);
  const t = relationLike(table, userText);
  const name = displayName(table);
  const target = which.kind === 'named' ? identLike(which.name, userText) : which.kind.toUpperCase();
  if (which.kind === 'all') {
    return {
      message: enabled
        ? `Disabling all triggers on ${name} also turns off its foreign-key checks: rows this migration writes before ENABLE TRIGGER ALL are never checked, yet the foreign keys still look valid.`
        : `Disabling all triggers on ${name} also turns off its foreign-key checks, for every session once the migration commits: rows the running app writes are no longer checked, yet the foreign keys still look valid.`,
      help: `Disable only the triggers you mean to, which leaves the foreign keys enforced (and needs no superuser rights): \`ALTER TABLE ${t} DISABLE TRIGGER USER;\` or by name, and re-enable them in the same migration after the writes that need it: \`ALTER TABLE ${t} ENABLE TRIGGER USER;\`.`,
    };
  }
  const subject = which.kind === 'user' ? `the user triggers on ${name}` : `trigger ${which.name} on ${name}`;
  return {
    severity: 'warning',
    message: `Disabling ${subject} turns ${which.kind === 'user' ? 'them' : 'it'} off for every session once the migration commits: the running app's writes skip ${which.kind === 'user' ? 'them' : 'it'} (audit rows, derived values, checks) until enabled again.`,
    help: `If the migration itself must write without ${which.kind === 'user' ? 'them' : 'it'}, re-enable ${which.kind === 'user' ? 'them' : 'it'} in the same migration right after those writes: \`ALTER TABLE ${t} ENABLE TRIGGER ${target};\` (the SHARE ROW EXCLUSIVE lock of DISABLE TRIGGER keeps the running app's writes waiting until the migration commits).`,
  };
}

/** Whether a later statement of the same transaction enables the disabled trigger(s) again. */
function reenabledLater(context: RuleContext, table: string, which: Which): boolean {
  const { statement, statements } = context;
  for (const later of statements.slice(positionOf(context) + 1)) {
    if (later.transaction !== statement.transaction) break;
    if (later.kind !== 'AlterTableStmt' || relationKey(later.body.relation) !== table) continue;
    for (const item of list(later.body.cmds)) {
      const cmd = bodyOf(item, 'AlterTableCmd');
      const subtype = cmd?.subtype;
      if (subtype === 'AT_EnableTrigAll') return true;
      if (subtype === 'AT_EnableTrigUser' && which.kind !== 'all') return true;
      const enablesOne = subtype === 'AT_EnableTrig' || subtype === 'AT_EnableAlwaysTrig' || subtype === 'AT_EnableReplicaTrig';
      if (enablesOne && which.kind === 'named' && cmd?.name === which.name) return true;
    }
  }
  return false;
}
