import {
  bodyOf,
  dropObjectNames,
  list,
  nameList,
  objectName,
  qualified,
  relationKey,
  stringValue,
  type AlterTableStmt,
  type ColumnDef,
  type ConstrType,
  type DropStmt,
  type IndexStmt,
  type ObjectType,
  type RenameStmt,
  type UnwrappedStatement,
} from './ast.js';
import type { Phase } from './types.js';

/**
 * Expand or contract, statement by statement. A contract change breaks the application version
 * that is running while the migration runs (it reads a dropped column, writes NULL into a column
 * made NOT NULL, uses an old name...), so it must wait until the new version is deployed.
 * Everything else is expand: the running app keeps working.
 */
export interface Verdict {
  phase: Phase;
  reason: string;
}

/** What earlier statements of the same file did, as far as the phase of a later one depends on it. */
export interface FileContext {
  /** relationKey() of every table created earlier in the file: the running app cannot use them yet. */
  createdTables: ReadonlySet<string>;
}

const expand = (reason: string): Verdict => ({ phase: 'expand', reason });
const contract = (reason: string): Verdict => ({ phase: 'contract', reason });

/** Object types whose DROP breaks an application that still uses them. */
const BREAKING_DROPS = new Set<ObjectType>([
  'OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_SCHEMA', 'OBJECT_TYPE', 'OBJECT_DOMAIN',
  'OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE', 'OBJECT_AGGREGATE', 'OBJECT_SEQUENCE',
  'OBJECT_FOREIGN_TABLE', 'OBJECT_TRIGGER', 'OBJECT_EXTENSION',
]);

/** Object types whose RENAME breaks queries of the running application, which use the old name. */
const BREAKING_RENAMES = new Set<ObjectType>([
  'OBJECT_TABLE', 'OBJECT_COLUMN', 'OBJECT_SCHEMA', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_TYPE', 'OBJECT_DOMAIN',
  'OBJECT_ATTRIBUTE', 'OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE', 'OBJECT_SEQUENCE', 'OBJECT_FOREIGN_TABLE',
]);

/** Constraints that reject writes the running app may make. NOT VALID only skips the existing rows. */
const RESTRICTING_CONSTRAINTS: Partial<Record<ConstrType, string>> = {
  CONSTR_CHECK: 'check',
  CONSTR_FOREIGN: 'foreign key',
  CONSTR_UNIQUE: 'unique',
  CONSTR_PRIMARY: 'primary key',
  CONSTR_EXCLUSION: 'exclusion',
  CONSTR_NOTNULL: 'not-null',
};

/** Column types that come with a default (a sequence), so a NOT NULL column of them is filled in. */
const SERIAL_TYPES = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

const OBJECT_WORDS: Partial<Record<ObjectType, string>> = {
  OBJECT_MATVIEW: 'materialized view',
  OBJECT_TABCONSTRAINT: 'constraint',
  OBJECT_DOMCONSTRAINT: 'domain constraint',
};

/** `OBJECT_FOREIGN_TABLE` -> `foreign table`. */
function objectWord(type: ObjectType | undefined): string {
  if (type === undefined) return '';
  return OBJECT_WORDS[type] ?? type.replace(/^OBJECT_/, '').toLowerCase().replace(/_/g, ' ');
}

/** Whether inserts that leave this new column out fail: NOT NULL (or PRIMARY KEY) and nothing fills it in. */
function requiredWithoutDefault(column: ColumnDef | undefined): boolean {
  // `DEFAULT NULL` fills in nothing: the column still needs a value from every INSERT.
  const types = list(column?.constraints)
    .map((c) => bodyOf(c, 'Constraint'))
    .filter((c) => !(c?.contype === 'CONSTR_DEFAULT' && bodyOf(c.raw_expr, 'A_Const')?.isnull === true))
    .map((c) => c?.contype);
  const required = types.includes('CONSTR_NOTNULL') || types.includes('CONSTR_PRIMARY');
  // ColumnDef.typeName is a TypeName body: { names: [{ String: { sval } }, ...] }.
  const typeName = stringValue(list(column?.typeName?.names).at(-1)) ?? '';
  const filled =
    types.includes('CONSTR_DEFAULT') || types.includes('CONSTR_IDENTITY') || types.includes('CONSTR_GENERATED') || SERIAL_TYPES.has(typeName.toLowerCase());
  return required && !filled;
}

function alterTable(body: AlterTableStmt, context: FileContext): Verdict {
  const table = qualified(body.relation);
  if (body.objtype !== 'OBJECT_TABLE' && body.objtype !== 'OBJECT_FOREIGN_TABLE') return expand(`alters ${objectWord(body.objtype)} ${table}`);
  const key = relationKey(body.relation);
  if (key && context.createdTables.has(key)) {
    return expand(`alters table ${table}, which this migration creates, so the running app does not use it yet`);
  }
  const added: string[] = [];
  for (const item of list(body.cmds)) {
    const cmd = bodyOf(item, 'AlterTableCmd');
    if (!cmd) continue;
    const column = typeof cmd.name === 'string' ? `${table}.${cmd.name}` : table;
    switch (cmd.subtype) {
      case 'AT_DropColumn':
        return contract(`drops column ${column}: the running app may still read or write it`);
      case 'AT_SetNotNull':
        return contract(`makes ${column} NOT NULL: the running app may still write NULL into it`);
      case 'AT_AlterColumnType':
        return contract(`changes the type of ${column}: the running app may read or send values of the old type`);
      case 'AT_AddColumn': {
        const def = bodyOf(cmd.def, 'ColumnDef');
        const name = `${table}.${def?.colname ?? '?'}`;
        if (requiredWithoutDefault(def)) return contract(`adds NOT NULL column ${name} without a default: inserts from the running app fail`);
        added.push(name);
        break;
      }
      case 'AT_AddConstraint': {
        const constraint = bodyOf(cmd.def, 'Constraint');
        const word = constraint?.contype && RESTRICTING_CONSTRAINTS[constraint.contype];
        if (word) return contract(`adds a ${word} constraint to ${table}: writes from the running app may violate it`);
        break;
      }
      case 'AT_DetachPartition':
        return contract(`detaches a partition from ${table}: its rows disappear from the running app's queries of ${table}`);
      default:
        break;
    }
  }
  if (added.length > 0) return expand(`adds column ${added.join(', ')}, which the running app does not use`);
  return expand(`alters table ${table} without breaking the running app`);
}

function drop(body: DropStmt): Verdict {
  const type = body.removeType;
  const names = dropObjectNames(body.objects).join(', ');
  if (type !== undefined && BREAKING_DROPS.has(type)) return contract(`drops ${objectWord(type)} ${names}: the running app may still use it`);
  if (type === 'OBJECT_INDEX') return expand(`drops index ${names}: queries may get slower but keep working`);
  return expand(`drops ${objectWord(type)} ${names}, which the running app does not use by name`);
}

function rename(body: RenameStmt): Verdict {
  const type = body.renameType;
  const newName = body.newname ?? '?';
  let target: string;
  if (body.relation) target = qualified(body.relation);
  else if (type === 'OBJECT_SCHEMA' || type === 'OBJECT_DATABASE' || type === 'OBJECT_ROLE') target = body.subname ?? '?';
  else target = objectName(body.object);
  const subject = typeof body.subname === 'string' && body.relation ? `${target}.${body.subname}` : target;
  if (type !== undefined && BREAKING_RENAMES.has(type)) return contract(`renames ${objectWord(type)} ${subject} to ${newName}: the running app still uses the old name`);
  return expand(`renames ${objectWord(type)} ${subject} to ${newName}, a name the running app does not use`);
}

function createIndex(body: IndexStmt, context: FileContext): Verdict {
  const table = qualified(body.relation);
  const name = body.idxname ?? '(unnamed)';
  const key = relationKey(body.relation);
  // A unique index rejects duplicates exactly like a UNIQUE constraint does.
  if (body.unique && !(key && context.createdTables.has(key))) {
    return contract(`creates unique index ${name} on ${table}: writes from the running app may violate it`);
  }
  return expand(`creates index ${name} on ${table}`);
}

/** The phase of one statement, given what the statements before it in the same file did. */
export function statementPhase(statement: UnwrappedStatement, context: FileContext): Verdict {
  const { kind, body } = statement;
  switch (kind) {
    case 'AlterTableStmt':
      return alterTable(body, context);
    case 'DropStmt':
      return drop(body);
    case 'RenameStmt':
      return rename(body);
    case 'IndexStmt':
      return createIndex(body, context);
    case 'AlterObjectSchemaStmt': {
      const subject = body.relation ? qualified(body.relation) : objectName(body.object);
      return contract(`moves ${objectWord(body.objectType)} ${subject} to schema ${body.newschema ?? '?'}: the running app uses the old schema`);
    }
    case 'AlterEnumStmt':
      return body.oldVal
        ? contract(`renames enum value '${body.oldVal}' of ${nameList(body.typeName)}: the running app still uses the old value`)
        : expand(`adds enum value '${body.newVal ?? '?'}' to ${nameList(body.typeName)}`);
    case 'TruncateStmt':
      return contract(`empties ${list(body.relations).map((r) => qualified(bodyOf(r, 'RangeVar'))).join(', ')}: rows the running app uses disappear`);
    case 'DeleteStmt':
      return contract(`deletes rows from ${qualified(body.relation)}: rows the running app uses may disappear`);
    case 'UpdateStmt':
      return expand(`updates rows of ${qualified(body.relation)} (a backfill)`);
    case 'InsertStmt':
      return expand(`inserts rows into ${qualified(body.relation)}`);
    case 'GrantStmt':
      return body.is_grant
        ? expand(`grants privileges on ${objectWord(body.objtype)}s`)
        : contract(`revokes privileges on ${objectWord(body.objtype)}s: the running app may lose access`);
    case 'CreateStmt':
      return expand(`creates table ${qualified(body.relation)}`);
    case 'CreateSchemaStmt':
      return expand(`creates schema ${body.schemaname ?? '?'}`);
    case 'CreateEnumStmt':
      return expand(`creates type ${nameList(body.typeName)}`);
    case 'CompositeTypeStmt':
      return expand(`creates type ${qualified(body.typevar)}`);
    case 'CreateDomainStmt':
      return expand(`creates domain ${nameList(body.domainname)}`);
    case 'CreateSeqStmt':
      return expand(`creates sequence ${qualified(body.sequence)}`);
    case 'ViewStmt':
      // CREATE OR REPLACE VIEW may only add columns at the end, so queries of the old view still work.
      return expand(`${body.replace ? 'creates or replaces' : 'creates'} view ${qualified(body.view)}`);
    case 'CreateFunctionStmt':
      return expand(`${body.replace ? 'creates or replaces' : 'creates'} ${body.is_procedure ? 'procedure' : 'function'} ${nameList(body.funcname)}`);
    case 'CommentStmt':
      return expand('sets a comment');
    default:
      return expand('no breaking change detected');
  }
}
