import { bodyOf, qualified } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import type { Finding, LintRule } from '../types.js';
import { displayName } from './breaking-helpers.js';
import { alterCommands, relationSql, tableOf } from './constraints-helpers.js';

/**
 * DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14 and later) detaches in two transactions under
 * SHARE UPDATE EXCLUSIVE on the parent, and PostgreSQL refuses it while the parent has a DEFAULT
 * partition ("cannot detach partitions concurrently when a default partition exists",
 * ATExecDetachPartition): the default partition would have to be re-checked against the bound
 * that goes away, which the concurrent form cannot do. The migration fails at that statement.
 * Known when an earlier statement (this file or an earlier migration) created the default.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DETACH-PARTITION
 */
export const detachingPartitionConcurrently = {
  id: 'detaching-partition-concurrently',
  severity: 'error',
  hazard: 'database',
  title: 'DETACH PARTITION ... CONCURRENTLY on a table with a default partition',
  kinds: ['AlterTableStmt'],
  check({ statement, knowledge }) {
    if (statement.kind !== 'AlterTableStmt') return undefined;
    const findings: Finding[] = [];
    for (const cmd of alterCommands(statement)) {
      const partition = cmd.subtype === 'AT_DetachPartition' ? bodyOf(cmd.def, 'PartitionCmd') : undefined;
      if (partition?.concurrent !== true) continue;
      const parent = tableOf(statement);
      const fallback = parent.key ? knowledge.defaultPartitions.get(parent.key) : undefined;
      if (!fallback) continue;
      const shownDefault = displayName(fallback);
      const child = qualified(partition.name);
      findings.push({
        message: `PostgreSQL refuses DETACH PARTITION ... CONCURRENTLY while ${parent.shown} has a default partition (${shownDefault}): "cannot detach partitions concurrently when a default partition exists", so the migration fails at this statement.`,
        help:
          `Detach it without CONCURRENTLY: \`ALTER TABLE ${parent.sql} DETACH PARTITION ${relationSql(partition.name)};\`. ` +
          `It scans nothing, but takes ${describeLock('ACCESS EXCLUSIVE', `${parent.shown} and ${child}`)} for that moment, so it waits behind the longest transaction on ${parent.shown}: ` +
          "`sdk db migrate` runs it with a short lock_timeout and retries, instead of letting it queue every query behind it.",
      });
    }
    return findings;
  },
} satisfies LintRule;
