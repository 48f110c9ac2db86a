import { bodyOf, list, qualified, relationKey, type Node } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import { ident, statementSql } from '../rewrite.js';
import type { Finding, LintRule, RuleContext } from '../types.js';
import { alterCommands, bareName, boundClauses, LATER_MIGRATION, objectName, relationSql, tableOf, validateSql } from './constraints-helpers.js';

/**
 * ATTACH PARTITION reads every row of the table being attached to prove it fits the partition
 * bound, while holding ACCESS EXCLUSIVE on it (and SHARE UPDATE EXCLUSIVE on the parent since
 * PostgreSQL 12, ACCESS EXCLUSIVE before). A validated CHECK constraint that implies the bound
 * lets PostgreSQL skip that scan, and it can be added NOT VALID and validated under SHARE UPDATE
 * EXCLUSIVE, which lets reads and writes continue.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-ATTACH-PARTITION
 */
export const attachingPartition = {
  id: 'attaching-partition',
  severity: 'error',
  title: 'Attaching a partition without a CHECK constraint that proves its bound',
  check(context) {
    const { statement, isNewTable, knowledge, pgVersion } = context;
    const commands = alterCommands(statement);
    if (!commands.some((cmd) => cmd.subtype === 'AT_AttachPartition')) return undefined;
    const parent = tableOf(statement);
    const findings: Finding[] = [];
    for (const cmd of commands) {
      if (cmd.subtype !== 'AT_AttachPartition') continue;
      const partition = bodyOf(cmd.def, 'PartitionCmd');
      const child = relationKey(partition?.name);
      // A table created earlier in this file is empty; a validated CHECK may prove the bound.
      if (!partition || isNewTable(child) || knowledge.hasValidatedCheck(child)) continue;
      const shown = qualified(partition.name);
      const parentLock = pgVersion >= 12 ? describeLock('SHARE UPDATE EXCLUSIVE', parent.shown) : describeLock('ACCESS EXCLUSIVE', parent.shown);
      findings.push({
        message: `Attaching ${shown} to ${parent.shown} reads every row of ${shown} to check it fits the partition bound, and every read and write of ${shown}${pgVersion < 12 ? ` (and, before PostgreSQL 12, of ${parent.shown})` : ''} waits until it is done: minutes on a big table.`,
        lock: `${describeLock('ACCESS EXCLUSIVE', shown)}, held while every row is checked; and ${parentLock}`,
        help: recipe(context, partition),
      });
    }
    return findings;
  },
} satisfies LintRule;

function recipe(context: RuleContext, partition: Node): string {
  const { statement } = context;
  const child = relationSql(partition.name);
  const name = objectName(bareName(partition.name), '', 'partition_bound');
  const bound = (partition.bound as Node | undefined) ?? {};
  const { text, parts } = boundClauses(statement.sql);
  const expression = boundCheck(bound, parts, partitionKey(context));
  const add = `ALTER TABLE ${child} ADD CONSTRAINT ${ident(name)} CHECK (${expression ?? '...'}) NOT VALID;`;
  return [
    'Instead, prove the bound with a CHECK constraint first, so ATTACH PARTITION skips the scan:',
    `1. \`${add}\`${expression ? '' : ` with a condition that matches \`${bound.is_default ? 'DEFAULT' : (text ?? 'the bound')}\``} (instant: existing rows are not read${expression?.includes('<partition key>') ? "; write the parent's partition key column for <partition key>" : ''})`,
    `2. ${LATER_MIGRATION}: \`${validateSql(child, name)}\` (reads every row under SHARE UPDATE EXCLUSIVE; reads and writes continue)`,
    `3. Then \`${statementSql(statement.sql)}\` (uses the validated CHECK instead of reading the table)`,
    `4. \`ALTER TABLE ${child} DROP CONSTRAINT ${ident(name)};\` (the partition bound enforces it now)`,
  ].join('\n');
}

/**
 * A CHECK expression PostgreSQL accepts as proof of a one-column bound, built from the user's own
 * text: `FROM (a) TO (b)` -> `key IS NOT NULL AND key >= a AND key < b`, `IN (x, y)` ->
 * `key IS NOT NULL AND key IN (x, y)`. Undefined for hash, default and multi-column bounds.
 */
function boundCheck(bound: Node, parts: Record<string, string>, key: string): string | undefined {
  const minOrMax = (datum: unknown) => {
    const field = bodyOf(list(bodyOf(datum, 'ColumnRef')?.fields)[0], 'String')?.sval;
    return field === 'minvalue' || field === 'maxvalue';
  };
  if (bound.strategy === 'r' && list(bound.lowerdatums).length === 1 && list(bound.upperdatums).length === 1 && parts.FROM && parts.TO) {
    const conditions = [`${key} IS NOT NULL`];
    if (!minOrMax(list(bound.lowerdatums)[0])) conditions.push(`${key} >= ${parts.FROM}`);
    if (!minOrMax(list(bound.upperdatums)[0])) conditions.push(`${key} < ${parts.TO}`);
    return conditions.join(' AND ');
  }
  // A NULL in the list needs `key IS NULL OR key IN (the others)`: left to the user.
  const hasNull = list(bound.listdatums).some((d) => bodyOf(d, 'A_Const')?.isnull === true);
  if (bound.strategy === 'l' && parts.IN && !hasNull) return `${key} IS NOT NULL AND ${key} IN (${parts.IN})`;
  return undefined;
}

/** The parent's one partition key column, when this file creates the parent; else a placeholder. */
function partitionKey({ statement, statements }: RuleContext): string {
  const parent = relationKey(statement.body.relation);
  for (const s of statements) {
    if (s.kind !== 'CreateStmt' || relationKey(s.body.relation) !== parent) continue;
    const params = list((s.body.partspec as Node | undefined)?.partParams);
    const column = bodyOf(params[0], 'PartitionElem')?.name;
    if (params.length === 1 && typeof column === 'string') return ident(column);
  }
  return '<partition key>';
}
