import { bodyOf, list, partitionBoundStrategy, qualified, relationKey, relationOf, stringValue, type CreateStmt, type Node, type PartitionBoundSpec, type PartitionCmd } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import { ident, statementSql, tableSql } from '../rewrite.js';
import type { Finding, LintRule, RuleContext } from '../types.js';
import { alterCommands, bareName, boundClauses, LATER_MIGRATION, objectName, relationSql, tableOf, validateSql } from './constraints-helpers.js';

/**
 * ATTACH PARTITION reads every row of the table being attached to prove it fits the partition
 * bound, while holding ACCESS EXCLUSIVE on it (and SHARE UPDATE EXCLUSIVE on the parent since
 * PostgreSQL 12, ACCESS EXCLUSIVE before). A validated CHECK constraint that implies the bound
 * lets PostgreSQL skip that scan, and it can be added NOT VALID and validated under SHARE UPDATE
 * EXCLUSIVE, which lets reads and writes continue.
 * When the parent has a DEFAULT partition, a new partition (ATTACH PARTITION, validated CHECK or
 * not, and CREATE TABLE ... PARTITION OF, which also takes ACCESS EXCLUSIVE on the parent) makes
 * PostgreSQL read every row of the default partition under ACCESS EXCLUSIVE, to check none
 * belongs to the new bound (and fail if one does).
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-ATTACH-PARTITION
 * https://www.postgresql.org/docs/current/sql-createtable.html#SQL-CREATETABLE-PARTITION
 */
export const attachingPartition = {
  id: 'attaching-partition',
  severity: 'error',
  hazard: 'database',
  title: 'Attaching a partition without a CHECK constraint that proves its bound',
  kinds: ['CreateStmt', 'AlterTableStmt'],
  check(context) {
    const { statement, isNewTable, knowledge, pgVersion } = context;
    if (statement.kind === 'CreateStmt') return createPartition(context, statement.body);
    const commands = alterCommands(statement);
    if (!commands.some((cmd) => cmd.subtype === 'AT_AttachPartition')) return undefined;
    const parent = tableOf(statement);
    const findings: Finding[] = [];
    for (const cmd of commands) {
      if (cmd.subtype !== 'AT_AttachPartition') continue;
      const partition = bodyOf(cmd.def, 'PartitionCmd');
      const child = relationKey(partition?.name);
      if (partition && partition.bound?.is_default !== true) {
        const scanned = defaultPartitionFinding(context, parent.key, `Attaching ${qualified(partition.name)} to ${parent.shown}`, pgVersion >= 12 ? describeLock('SHARE UPDATE EXCLUSIVE', parent.shown) : describeLock('ACCESS EXCLUSIVE', parent.shown));
        if (scanned) findings.push(scanned);
      }
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

/** CREATE TABLE ... PARTITION OF a parent with a DEFAULT partition. */
function createPartition(context: RuleContext, body: CreateStmt): Finding | undefined {
  if (!body.partbound || body.partbound.is_default === true) return undefined;
  const parentRel = bodyOf(list(body.inhRelations)[0], 'RangeVar');
  const parent = qualified(parentRel);
  const scanned = defaultPartitionFinding(context, relationKey(parentRel), `Creating ${qualified(body.relation)} as a partition of ${parent}`, describeLock('ACCESS EXCLUSIVE', parent), parent);
  return scanned;
}

/**
 * The scan of the parent's DEFAULT partition that a new partition causes, when an earlier
 * statement made that default partition and it is not new (empty) in this file.
 * `blocksParent`: the parent's name when the statement holds ACCESS EXCLUSIVE on it too.
 */
function defaultPartitionFinding(context: RuleContext, parentKey: string | undefined, doing: string, parentLock: string, blocksParent?: string): Finding | undefined {
  const fallback = parentKey ? context.knowledge.defaultPartitions.get(parentKey) : undefined;
  if (!fallback || context.isNewTable(fallback)) return undefined;
  const shown = fallback.startsWith('public.') ? fallback.slice('public.'.length) : fallback;
  const { statement } = context;
  const parentSql = relationSql((statement.kind === 'CreateStmt' ? bodyOf(list(statement.body.inhRelations)[0], 'RangeVar') : undefined) ?? relationOf(statement));
  const fallbackSql = tableSql(fallback);
  const check = ident(objectName(fallback.slice(fallback.indexOf('.') + 1), '', 'bound'));
  const waits = blocksParent ? `every read and write of ${blocksParent} and ${shown}` : `every read and write of ${shown}`;
  const evenProven = blocksParent ? '' : ", even when a validated CHECK proves the attached table's own bound";
  return {
    message:
      `${doing} reads every row of its default partition ${shown} to check that none belongs to the new bound (the statement fails if one does)${evenProven}; ` +
      `${waits} waits until it is done: minutes on a big default partition.`,
    lock: `${describeLock('ACCESS EXCLUSIVE', shown)}, held while every row is checked; and ${parentLock}`,
    help: [
      `Instead, either move the rows of ${shown} that belong to the new bound out first, in batches (then the check cannot fail, and it stays short while ${shown} is small), ` +
        `or take the default partition out while the partition is added, each step in its own migration (\`pnpm db:generate --custom\`: a migration keeps its locks until it commits):`,
      `1. \`ALTER TABLE ${parentSql} DETACH PARTITION ${fallbackSql};\` (no scan; until step 4, rows that fit no other partition are rejected and the rows of ${shown} are not seen through ${parentSql})`,
      `2. \`${statementSql(context.statement.sql)}\` (no default partition to read now)`,
      `3. \`ALTER TABLE ${fallbackSql} ADD CONSTRAINT ${check} CHECK (...);\` with a condition that excludes the bound of every other partition (reads ${shown}, which nothing uses while it is detached; fails while rows of the new bound remain: move them to the new partition first)`,
      `4. \`ALTER TABLE ${parentSql} ATTACH PARTITION ${fallbackSql} DEFAULT;\` (uses the validated CHECK instead of reading ${shown})`,
    ].join('\n'),
  };
}

function recipe(context: RuleContext, partition: PartitionCmd): string {
  const { statement } = context;
  const child = relationSql(partition.name);
  const name = objectName(bareName(partition.name), '', 'partition_bound');
  const bound = partition.bound ?? {};
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
function boundCheck(bound: PartitionBoundSpec, parts: Record<string, string>, key: string): string | undefined {
  const minOrMax = (datum: Node | undefined) => {
    const field = stringValue(list(bodyOf(datum, 'ColumnRef')?.fields)[0]);
    return field === 'minvalue' || field === 'maxvalue';
  };
  const strategy = partitionBoundStrategy(bound);
  if (strategy === 'r' && list(bound.lowerdatums).length === 1 && list(bound.upperdatums).length === 1 && parts.FROM && parts.TO) {
    const conditions = [`${key} IS NOT NULL`];
    if (!minOrMax(list(bound.lowerdatums)[0])) conditions.push(`${key} >= ${parts.FROM}`);
    if (!minOrMax(list(bound.upperdatums)[0])) conditions.push(`${key} < ${parts.TO}`);
    return conditions.join(' AND ');
  }
  // A NULL in the list needs `key IS NULL OR key IN (the others)`: left to the user.
  const hasNull = list(bound.listdatums).some((d) => bodyOf(d, 'A_Const')?.isnull === true);
  if (strategy === 'l' && parts.IN && !hasNull) return `${key} IS NOT NULL AND ${key} IN (${parts.IN})`;
  return undefined;
}

/** The parent's one partition key column, when this file creates the parent; else a placeholder. */
function partitionKey({ statement, statements }: RuleContext): string {
  const parent = relationKey(relationOf(statement));
  for (const s of statements) {
    if (s.kind !== 'CreateStmt' || relationKey(s.body.relation) !== parent) continue;
    const params = list(s.body.partspec?.partParams);
    const column = bodyOf(params[0], 'PartitionElem')?.name;
    if (params.length === 1 && typeof column === 'string') return ident(column);
  }
  return '<partition key>';
}
