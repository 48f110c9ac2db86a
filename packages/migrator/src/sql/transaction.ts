import { bodyOf, list, optionEnabled, type AlterSubscriptionType, type ReindexObjectType, type UnwrappedStatement } from './ast.js';

/**
 * Why PostgreSQL refuses to run this statement inside a transaction block, or undefined when it
 * may run in one. These are the commands whose implementation calls PreventInTransactionBlock():
 * they commit work of their own part-way (concurrent index builds wait for other transactions
 * between phases; VACUUM and REINDEX SYSTEM commit per table) or touch files that cannot be
 * rolled back (databases, tablespaces, postgresql.auto.conf, replication slots).
 * https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY
 *
 * ALTER TYPE ... ADD VALUE depends on the statements after it, so classify() decides it.
 */
export function nonTransactionalReason(statement: UnwrappedStatement): string | undefined {
  const { kind, body } = statement;
  switch (kind) {
    case 'IndexStmt':
      return body.concurrent ? 'CREATE INDEX CONCURRENTLY cannot run inside a transaction block' : undefined;
    case 'DropStmt':
      return body.concurrent ? 'DROP INDEX CONCURRENTLY cannot run inside a transaction block' : undefined;
    case 'ReindexStmt':
      if (optionEnabled(body.params, 'concurrently')) return 'REINDEX CONCURRENTLY cannot run inside a transaction block';
      // REINDEX SCHEMA/DATABASE/SYSTEM commit after each table.
      if (body.kind !== undefined && COMMITS_PER_TABLE.has(body.kind)) {
        return `REINDEX ${body.kind.replace('REINDEX_OBJECT_', '')} cannot run inside a transaction block`;
      }
      return undefined;
    case 'VacuumStmt':
      // The same node holds ANALYZE, which may run in a transaction.
      return body.is_vacuumcmd ? 'VACUUM cannot run inside a transaction block' : undefined;
    case 'ClusterStmt':
      // CLUSTER t is fine in a transaction; a bare CLUSTER re-clusters every table, committing per table.
      return body.relation ? undefined : 'CLUSTER without a table name cannot run inside a transaction block';
    case 'CreatedbStmt':
      return 'CREATE DATABASE cannot run inside a transaction block';
    case 'DropdbStmt':
      return 'DROP DATABASE cannot run inside a transaction block';
    case 'AlterDatabaseStmt':
      return list(body.options).some((o) => bodyOf(o, 'DefElem')?.defname === 'tablespace')
        ? 'ALTER DATABASE ... SET TABLESPACE cannot run inside a transaction block'
        : undefined;
    case 'CreateTableSpaceStmt':
      return 'CREATE TABLESPACE cannot run inside a transaction block';
    case 'DropTableSpaceStmt':
      return 'DROP TABLESPACE cannot run inside a transaction block';
    case 'AlterSystemStmt':
      return 'ALTER SYSTEM cannot run inside a transaction block';
    case 'CreateSubscriptionStmt':
      // Creating the replication slot on the publisher cannot be rolled back; `connect = false`
      // implies `create_slot = false`. https://www.postgresql.org/docs/current/sql-createsubscription.html
      return optionEnabled(body.options, 'connect') === false || optionEnabled(body.options, 'create_slot') === false
        ? undefined
        : 'CREATE SUBSCRIPTION (which creates a replication slot) cannot run inside a transaction block';
    case 'DropSubscriptionStmt':
      // Whether the subscription still has a slot is only known to the database: assume it does.
      return 'DROP SUBSCRIPTION (of a subscription with a replication slot) cannot run inside a transaction block';
    case 'AlterSubscriptionStmt':
      if (body.kind === 'ALTER_SUBSCRIPTION_REFRESH') return 'ALTER SUBSCRIPTION ... REFRESH PUBLICATION cannot run inside a transaction block';
      if (body.kind !== undefined && PUBLICATION_CHANGES.has(body.kind) && optionEnabled(body.options, 'refresh') !== false) {
        return 'ALTER SUBSCRIPTION ... PUBLICATION with refresh cannot run inside a transaction block';
      }
      return undefined;
    case 'AlterTableStmt':
      return list(body.cmds).some((c) => {
        const cmd = bodyOf(c, 'AlterTableCmd');
        return cmd?.subtype === 'AT_DetachPartition' && bodyOf(cmd.def, 'PartitionCmd')?.concurrent === true;
      })
        ? 'ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY cannot run inside a transaction block'
        : undefined;
    case 'DiscardStmt':
      return body.target === 'DISCARD_ALL' ? 'DISCARD ALL cannot run inside a transaction block' : undefined;
    default:
      return undefined;
  }
}

/** REINDEX SCHEMA/DATABASE/SYSTEM commit after each table. */
const COMMITS_PER_TABLE = new Set<ReindexObjectType>(['REINDEX_OBJECT_SCHEMA', 'REINDEX_OBJECT_DATABASE', 'REINDEX_OBJECT_SYSTEM']);

/** ALTER SUBSCRIPTION ... SET/ADD/DROP PUBLICATION, which refresh the subscription unless `refresh = false`. */
const PUBLICATION_CHANGES = new Set<AlterSubscriptionType>(['ALTER_SUBSCRIPTION_SET_PUBLICATION', 'ALTER_SUBSCRIPTION_ADD_PUBLICATION', 'ALTER_SUBSCRIPTION_DROP_PUBLICATION']);

/**
 * Whether a TransactionStmt opens (BEGIN, START TRANSACTION) or closes (COMMIT, END, ROLLBACK,
 * PREPARE TRANSACTION) an explicit transaction block; undefined for anything else (SAVEPOINT...).
 */
export function transactionBlockChange(statement: UnwrappedStatement): 'opens' | 'closes' | undefined {
  if (statement.kind !== 'TransactionStmt') return undefined;
  const what = statement.body.kind;
  if (what === 'TRANS_STMT_BEGIN' || what === 'TRANS_STMT_START') return 'opens';
  if (what === 'TRANS_STMT_COMMIT' || what === 'TRANS_STMT_ROLLBACK' || what === 'TRANS_STMT_PREPARE') return 'closes';
  return undefined;
}
