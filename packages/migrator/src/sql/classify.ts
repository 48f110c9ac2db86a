import { dropObjectNames, nameList, qualified, stringConstants, unwrap, type Node, type RangeVar } from './ast.js';
import type { RawStatement } from './parse.js';
import type { Phase, SqlStatement } from './types.js';

/** Object types whose DROP breaks an application that still uses them. */
const BREAKING_DROPS = new Set([
  'OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_SCHEMA', 'OBJECT_TYPE', 'OBJECT_DOMAIN',
  'OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_SEQUENCE', 'OBJECT_FOREIGN_TABLE', 'OBJECT_TRIGGER',
  'OBJECT_EXTENSION', 'OBJECT_AGGREGATE',
]);

/** Object types whose RENAME breaks queries of the running application. */
const BREAKING_RENAMES = new Set([
  'OBJECT_TABLE', 'OBJECT_COLUMN', 'OBJECT_SCHEMA', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_TYPE',
  'OBJECT_ATTRIBUTE', 'OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_SEQUENCE', 'OBJECT_FOREIGN_TABLE', 'OBJECT_DOMAIN',
]);

interface Verdict {
  phase: Phase;
  reason: string;
}

const expand = (reason: string): Verdict => ({ phase: 'expand', reason });
const contract = (reason: string): Verdict => ({ phase: 'contract', reason });

function lower(objType: unknown): string {
  return String(objType ?? '').replace(/^OBJECT_/, '').toLowerCase().replace(/_/g, ' ');
}

function columnHasNotNullWithoutDefault(def: Node | undefined): boolean {
  const constraints = (def?.constraints as unknown[] | undefined) ?? [];
  const types = constraints.map((c) => String(unwrap(c)?.body.contype ?? ''));
  const notNull = types.includes('CONSTR_NOTNULL') || types.includes('CONSTR_PRIMARY');
  const filled = types.includes('CONSTR_DEFAULT') || types.includes('CONSTR_IDENTITY') || types.includes('CONSTR_GENERATED');
  return notNull && !filled;
}

function alterTableVerdict(body: Node): Verdict {
  const table = qualified(body.relation as RangeVar);
  for (const cmd of (body.cmds as unknown[] | undefined) ?? []) {
    const c = unwrap(cmd)?.body;
    if (!c) continue;
    const column = typeof c.name === 'string' ? `${table}.${c.name}` : table;
    switch (c.subtype) {
      case 'AT_DropColumn':
        return contract(`drops column ${column}: the running app may still read or write it`);
      case 'AT_SetNotNull':
        return contract(`makes ${column} NOT NULL: the running app may still write NULL`);
      case 'AT_AlterColumnType':
        return contract(`changes the type of ${column}: the running app may send values of the old type`);
      case 'AT_AddColumn': {
        const def = unwrap(c.def)?.body;
        if (columnHasNotNullWithoutDefault(def)) {
          return contract(`adds NOT NULL column ${table}.${String(def?.colname ?? '?')} without a default: inserts from the running app fail`);
        }
        break;
      }
      case 'AT_AddConstraint': {
        const con = unwrap(c.def)?.body;
        const type = String(con?.contype ?? '');
        if (['CONSTR_CHECK', 'CONSTR_FOREIGN', 'CONSTR_UNIQUE', 'CONSTR_PRIMARY', 'CONSTR_EXCLUSION'].includes(type)) {
          const kind = type.replace('CONSTR_', '').toLowerCase().replace('foreign', 'foreign key').replace('primary', 'primary key');
          return contract(`adds a ${kind} constraint to ${table}: writes from the running app may violate it`);
        }
        break;
      }
      case 'AT_DetachPartition':
        return contract(`detaches a partition from ${table}: its rows disappear from the parent table`);
      case 'AT_DropExpression':
        return contract(`drops the generation expression of ${column}`);
      default:
        break;
    }
  }
  return expand(`alters ${table} compatibly`);
}

function phaseOf(kind: string, body: Node): Verdict {
  switch (kind) {
    case 'DropStmt': {
      const type = String(body.removeType ?? '');
      const names = dropObjectNames(body.objects).join(', ');
      if (BREAKING_DROPS.has(type)) return contract(`drops ${lower(type)} ${names}: the running app may still use it`);
      return expand(`drops ${lower(type)} ${names} (the app does not reference it by name)`);
    }
    case 'RenameStmt': {
      const type = String(body.renameType ?? '');
      const target = body.relation ? qualified(body.relation as RangeVar) : nameList(body.object && unwrap(body.object)?.body.items);
      if (BREAKING_RENAMES.has(type)) {
        const from = typeof body.subname === 'string' ? `${target}.${body.subname}` : target;
        return contract(`renames ${lower(type)} ${from} to ${String(body.newname ?? '?')}: the running app still uses the old name`);
      }
      return expand(`renames ${lower(type)} ${target} (not referenced by the app)`);
    }
    case 'AlterTableStmt':
      return alterTableVerdict(body);
    case 'AlterObjectSchemaStmt':
      return contract(`moves ${body.relation ? qualified(body.relation as RangeVar) : lower(body.objectType)} to schema ${String(body.newschema ?? '?')}: the running app uses the old schema`);
    case 'TruncateStmt':
      return contract('empties tables (TRUNCATE): data the running app uses disappears');
    case 'DeleteStmt':
      return contract(`deletes rows from ${qualified(body.relation as RangeVar)}`);
    case 'AlterEnumStmt':
      return body.oldVal ? contract(`renames enum value ${String(body.oldVal)}`) : expand(`adds enum value ${String(body.newVal ?? '?')}`);
    default:
      return expand('adds or changes objects compatibly');
  }
}

function nonTransactionalReason(kind: string, body: Node): string | undefined {
  switch (kind) {
    case 'IndexStmt':
      return body.concurrent ? 'CREATE INDEX CONCURRENTLY cannot run inside a transaction block' : undefined;
    case 'DropStmt':
      return body.concurrent ? 'DROP INDEX CONCURRENTLY cannot run inside a transaction block' : undefined;
    case 'ReindexStmt': {
      const params = (body.params as unknown[] | undefined) ?? [];
      const concurrent = params.some((p) => unwrap(p)?.body.defname === 'concurrently');
      return concurrent ? 'REINDEX CONCURRENTLY cannot run inside a transaction block' : undefined;
    }
    case 'VacuumStmt':
      return body.is_vacuumcmd ? 'VACUUM cannot run inside a transaction block' : undefined;
    case 'CreatedbStmt':
    case 'DropdbStmt':
      return 'CREATE/DROP DATABASE cannot run inside a transaction block';
    case 'CreateTableSpaceStmt':
    case 'DropTableSpaceStmt':
      return 'CREATE/DROP TABLESPACE cannot run inside a transaction block';
    case 'AlterSystemStmt':
      return 'ALTER SYSTEM cannot run inside a transaction block';
    case 'CreateSubscriptionStmt':
    case 'DropSubscriptionStmt':
      return 'CREATE/DROP SUBSCRIPTION (with a replication slot) cannot run inside a transaction block';
    case 'ClusterStmt':
      return body.relation ? undefined : 'CLUSTER without a table cannot run inside a transaction block';
    case 'AlterTableStmt': {
      const cmds = (body.cmds as unknown[] | undefined) ?? [];
      const detach = cmds.some((c) => {
        const cmd = unwrap(c)?.body;
        return cmd?.subtype === 'AT_DetachPartition' && (unwrap(cmd.def)?.body.concurrent as boolean | undefined);
      });
      return detach ? 'DETACH PARTITION CONCURRENTLY cannot run inside a transaction block' : undefined;
    }
    default:
      return undefined;
  }
}

/** Classifies parsed statements: transaction needs, phase, concurrent index builds. */
export function classify(statements: RawStatement[]): SqlStatement[] {
  // String constants used by each statement, for the ADD VALUE check below (computed lazily).
  const constants: (Set<string> | undefined)[] = [];
  const usesValue = (from: number, value: string) => {
    for (let j = from; j < statements.length; j++) {
      constants[j] ??= stringConstants(statements[j]!.node);
      if (constants[j]!.has(value)) return true;
    }
    return false;
  };
  return statements.map((raw, index) => {
    const body = unwrap(raw.node)?.body ?? {};
    let reason = nonTransactionalReason(raw.kind, body);
    if (!reason && raw.kind === 'AlterEnumStmt' && typeof body.newVal === 'string' && !body.oldVal && usesValue(index + 1, body.newVal)) {
      // PostgreSQL 12+ runs ADD VALUE in a transaction, but the new value cannot be used until
      // that transaction commits ("unsafe use of new value"), so it must commit on its own.
      reason = `enum value '${body.newVal}' is used later in this migration, so ALTER TYPE ... ADD VALUE must commit first`;
    }
    const verdict = phaseOf(raw.kind, body);
    const statement: SqlStatement = {
      index,
      sql: raw.sql,
      line: raw.line,
      column: raw.column,
      offset: raw.offset,
      kind: raw.kind,
      transactional: reason === undefined,
      nonTransactionalReason: reason,
      phase: verdict.phase,
      phaseReason: verdict.reason,
    };
    if (raw.kind === 'IndexStmt' && body.concurrent) {
      const rel = body.relation as RangeVar | undefined;
      statement.concurrentIndex = { schema: rel?.schemaname, name: typeof body.idxname === 'string' ? body.idxname : undefined, table: rel?.relname };
    } else if (raw.kind === 'ReindexStmt' && reason && body.kind === 'REINDEX_OBJECT_INDEX') {
      const rel = body.relation as RangeVar | undefined;
      statement.concurrentIndex = { schema: rel?.schemaname, name: rel?.relname, table: undefined };
    }
    return statement;
  });
}
