import {
  alterDomainSubtype,
  bodyOf,
  type ColumnDef,
  list,
  nameList,
  objectName,
  relationKey,
  stringValue,
  walk,
  type Constraint,
  type Node,
  type ObjectType,
  type UnwrappedStatement,
  type UpdateStmt,
} from '../sql/ast.js';
import { definedDefault, ownColumnDefs, ownCommands, setDefaultText } from './column-defaults.js';
import { columnType } from './column-types.js';
import { constraintKind, notNullCheckColumn, typeKey, type ColumnConstraint, type ConstraintInfo, type DomainInfo, type SchemaKnowledge } from './knowledge.js';
import { constraintName } from './rules/constraints-helpers.js';
import { OwnStatement } from './rules/rewrites-helpers.js';

/**
 * How each statement changes what the linter knows about the schema (SchemaKnowledge): tables,
 * columns and their types and nullability, constraints, indexes, foreign keys, partitions,
 * domains, functions. The engine calls `learn` after the rules have seen the statement.
 */

/** Records what a statement creates, validates, renames or drops. Called after the rules saw it. */
export function learn(knowledge: SchemaKnowledge, statement: UnwrappedStatement & { sql?: string | undefined; node?: Node | undefined }, at: { file: number; statement: number }): void {
  const { kind, body } = statement;
  // The statement's own tree (OwnStatement), for the text of a DEFAULT: only when a rule asks for
  // it (SchemaKnowledge.columnDefault), long after this statement, so the closure keeps the text and the node only.
  const { sql: text, node } = statement;
  const own = () => (text === undefined ? undefined : OwnStatement.of(text, node));
  switch (kind) {
    case 'CreateTableAsStmt': {
      const into = body.into;
      const table = relationKey(into?.rel);
      if (!table) return;
      knowledge.tables.add(table);
      if (body.objtype === 'OBJECT_MATVIEW' && into?.skipData === true) knowledge.unpopulated.add(table);
      else knowledge.unpopulated.delete(table);
      if (body.objtype === 'OBJECT_MATVIEW') knowledge.viewUses.created(table, true, text, body.query, (t) => knowledge.knownColumns(t));
      return;
    }
    case 'RefreshMatViewStmt': {
      const view = relationKey(body.relation);
      // A refresh with data populates the view (a CONCURRENTLY one fails on an unpopulated view and changes nothing).
      if (view && body.skipData === true) knowledge.unpopulated.add(view);
      else if (view && body.concurrent !== true) knowledge.unpopulated.delete(view);
      return;
    }
    case 'CreateDomainStmt': {
      const key = typeKey(body.domainname);
      if (!key) return;
      const info: DomainInfo = { baseType: columnType(body.typeName), constraints: new Set() };
      for (const c of list(body.constraints)) addDomainConstraint(info, key, bodyOf(c, 'Constraint'));
      knowledge.domains.set(key, info);
      return;
    }
    case 'AlterDomainStmt': {
      const key = typeKey(body.typeName);
      const info = key ? knowledge.domains.get(key) : undefined;
      if (!key || !info) return;
      const subtype = alterDomainSubtype(body);
      if (subtype === 'C') addDomainConstraint(info, key, bodyOf(body.def, 'Constraint'));
      else if (subtype === 'X' && typeof body.name === 'string') info.constraints.delete(body.name);
      else if (subtype === 'O') info.constraints.add('NOT NULL');
      else if (subtype === 'N') info.constraints.delete('NOT NULL');
      return;
    }
    case 'CreateStmt': {
      const table = relationKey(body.relation);
      if (!table) return;
      knowledge.tables.add(table);
      const listsEveryColumn = list(body.inhRelations).length === 0 && !body.partbound && !body.ofTypename && !list(body.tableElts).some((e) => bodyOf(e, 'TableLikeClause'));
      if (listsEveryColumn) knowledge.columnsComplete.add(table);
      else knowledge.columnsComplete.delete(table);
      if (body.partspec) knowledge.partitioned.set(table, new Set());
      if (body.partbound) {
        for (const item of list(body.inhRelations)) {
          const parent = relationKey(bodyOf(item, 'RangeVar')) ?? '';
          knowledge.partitioned.get(parent)?.add(table);
          if (body.partbound.is_default === true) knowledge.defaultPartitions.set(parent, table);
        }
      }
      for (const element of list(body.tableElts)) {
        const column = bodyOf(element, 'ColumnDef');
        if (column && typeof column.colname === 'string') {
          const name = column.colname;
          knowledge.setColumn(table, name, columnType(column.typeName));
          knowledge.setNotNull(table, name, declaredNotNull(column));
          knowledge.setColumnDefault(table, name, definedDefault(column, () => {
            const parsed = own();
            return { own: parsed, def: ownColumnDefs(parsed).get(name) };
          }));
          for (const c of list(column.constraints)) addConstraint(knowledge, table, bodyOf(c, 'Constraint'), at, column.colname);
        }
        addConstraint(knowledge, table, bodyOf(element, 'Constraint'), at);
      }
      // After every column: `PRIMARY KEY (id)` may come before the column `id` it makes NOT NULL.
      for (const element of list(body.tableElts)) {
        for (const key of notNullKeys(knowledge, table, bodyOf(element, 'Constraint'))) knowledge.setNotNull(table, key, true);
      }
      return;
    }
    case 'IndexStmt': {
      const table = relationKey(body.relation);
      if (!table || typeof body.idxname !== 'string') return;
      const columns = list(body.indexParams).map((p) => {
        const name = bodyOf(p, 'IndexElem')?.name;
        return typeof name === 'string' ? name : undefined;
      });
      knowledge.indexes.set(`${table.split('.')[0]}.${body.idxname}`, { table, columns });
      return;
    }
    case 'AlterTableStmt': {
      const table = relationKey(body.relation);
      if (!table) return;
      let setDefaults = 0;
      for (const [index, item] of list(body.cmds).entries()) {
        const cmd = bodyOf(item, 'AlterTableCmd');
        if (!cmd) continue;
        const name = typeof cmd.name === 'string' ? cmd.name : undefined;
        const partition = relationKey(bodyOf(cmd.def, 'PartitionCmd')?.name);
        if (cmd.subtype === 'AT_AttachPartition' && partition) {
          knowledge.partitioned.get(table)?.add(partition);
          if (bodyOf(cmd.def, 'PartitionCmd')?.bound?.is_default === true) knowledge.defaultPartitions.set(table, partition);
        }
        if (cmd.subtype === 'AT_DetachPartition' && partition) {
          knowledge.partitioned.get(table)?.delete(partition);
          if (knowledge.defaultPartitions.get(table) === partition) knowledge.defaultPartitions.delete(table);
        }
        const def = bodyOf(cmd.def, 'ColumnDef');
        if (cmd.subtype === 'AT_AddColumn' && def && typeof def.colname === 'string') {
          knowledge.setColumn(table, def.colname, columnType(def.typeName));
          knowledge.expandSteps.columnAdded(table, def.colname);
          knowledge.setNotNull(table, def.colname, declaredNotNull(def));
          knowledge.setColumnDefault(table, def.colname, definedDefault(def, () => {
            const parsed = own();
            return { own: parsed, def: bodyOf(ownCommands(parsed)[index]?.def, 'ColumnDef') };
          }));
          for (const c of list(def.constraints)) addConstraint(knowledge, table, bodyOf(c, 'Constraint'), at, def.colname);
        } else if (cmd.subtype === 'AT_ColumnDefault' && name) {
          if (cmd.def === undefined) knowledge.setColumnDefault(table, name, undefined);
          else {
            const nth = setDefaults++;
            knowledge.setColumnDefault(table, name, () => {
              const sql = setDefaultText(own(), nth);
              return sql ? { kind: 'expression', sql } : { kind: 'unknown' };
            });
          }
        } else if (cmd.subtype === 'AT_AddIdentity' && name) {
          knowledge.setColumnDefault(table, name, { kind: 'sequence' });
        } else if ((cmd.subtype === 'AT_DropIdentity' || cmd.subtype === 'AT_DropExpression') && name) {
          knowledge.setColumnDefault(table, name, undefined);
        } else if (cmd.subtype === 'AT_SetNotNull' && name) {
          knowledge.setNotNull(table, name, true);
        } else if (cmd.subtype === 'AT_DropNotNull' && name) {
          knowledge.setNotNull(table, name, false);
        } else if (cmd.subtype === 'AT_AlterColumnType' && name && def) {
          knowledge.setColumn(table, name, columnType(def.typeName));
        } else if (cmd.subtype === 'AT_DropColumn' && name) {
          knowledge.setColumn(table, name, undefined);
          knowledge.expandSteps.columnDropped(table, name);
          // With CASCADE, the views that read it are dropped too; without, the drop fails while one does.
          if (cmd.behavior === 'DROP_CASCADE') knowledge.viewUses.columnDropped(table, name);
          knowledge.foreignKeys = knowledge.foreignKeys.filter((fk) => !(fk.table === table && fk.columns.includes(name)));
        } else if (cmd.subtype === 'AT_AddConstraint') {
          const constraint = bodyOf(cmd.def, 'Constraint');
          for (const key of notNullKeys(knowledge, table, constraint)) knowledge.setNotNull(table, key, true);
          addConstraint(knowledge, table, constraint, at);
        } else if (cmd.subtype === 'AT_ValidateConstraint' && name) {
          const info = knowledge.constraint(table, name);
          if (info) info.validated = true;
        } else if (cmd.subtype === 'AT_DropConstraint' && name) {
          knowledge.setConstraint(table, name, undefined);
          knowledge.setColumnConstraint(table, name, undefined);
          knowledge.foreignKeys = knowledge.foreignKeys.filter((fk) => !(fk.table === table && fk.name === name));
        }
      }
      return;
    }
    case 'CreatePolicyStmt': {
      const table = relationKey(body.table);
      if (!table || typeof body.policy_name !== 'string') return;
      const policies = knowledge.policies.get(table) ?? new Set<string>();
      policies.add(body.policy_name);
      knowledge.policies.set(table, policies);
      return;
    }
    case 'RenameStmt': {
      const table = relationKey(body.relation);
      if (!table) return;
      if (body.renameType === 'OBJECT_POLICY' && typeof body.subname === 'string' && typeof body.newname === 'string') {
        const policies = knowledge.policies.get(table);
        if (policies?.delete(body.subname)) policies.add(body.newname);
        return;
      }
      if (body.renameType !== undefined && MOVABLE_RELATIONS.has(body.renameType) && typeof body.newname === 'string') {
        knowledge.expandSteps.relationMoved(table, `${table.split('.')[0]}.${body.newname}`);
      }
      if ((body.renameType === 'OBJECT_TABLE' || body.renameType === 'OBJECT_MATVIEW') && typeof body.newname === 'string') {
        knowledge.renameTable(table, `${table.split('.')[0]}.${body.newname}`);
      } else if (body.renameType === 'OBJECT_VIEW' && typeof body.newname === 'string') {
        knowledge.viewUses.renamed(table, `${table.split('.')[0]}.${body.newname}`);
      } else if (body.renameType === 'OBJECT_INDEX' && typeof body.newname === 'string') {
        knowledge.renameIndex(table, `${table.split('.')[0]}.${body.newname}`);
      } else if (body.renameType === 'OBJECT_COLUMN' && typeof body.subname === 'string' && typeof body.newname === 'string') {
        knowledge.renameColumn(table, body.subname, body.newname);
      }
      return;
    }
    case 'AlterObjectSchemaStmt': {
      const relation = relationKey(body.relation);
      if (relation && body.objectType !== undefined && MOVABLE_RELATIONS.has(body.objectType) && typeof body.newschema === 'string') {
        knowledge.expandSteps.relationMoved(relation, `${body.newschema}.${relation.slice(relation.indexOf('.') + 1)}`);
      }
      return;
    }
    case 'ViewStmt': {
      const view = relationKey(body.view);
      const reads = new Set<string>();
      walk(body.query, (obj) => {
        const key = relationKey(obj.RangeVar);
        if (key) reads.add(key);
      });
      if (view) {
        knowledge.expandSteps.viewCreated(view, reads, at.file);
        knowledge.viewUses.created(view, false, text, body.query, (t) => knowledge.knownColumns(t));
      }
      return;
    }
    case 'UpdateStmt':
      learnBackfill(knowledge, body, at.file);
      return;
    case 'DropStmt':
      if (body.removeType === 'OBJECT_VIEW') {
        for (const object of list(body.objects)) {
          const name = objectName(object);
          knowledge.expandSteps.viewDropped(name.includes('.') ? name : `public.${name}`);
          knowledge.viewUses.dropped(name.includes('.') ? name : `public.${name}`);
        }
      } else if (body.removeType === 'OBJECT_TABLE' || body.removeType === 'OBJECT_MATVIEW') {
        for (const object of list(body.objects)) {
          const names = list(bodyOf(object, 'List')?.items).map((i) => stringValue(i) ?? '');
          knowledge.dropTable(names.length > 1 ? names.join('.') : `public.${names[0] ?? ''}`);
        }
      } else if (body.removeType === 'OBJECT_DOMAIN') {
        for (const object of list(body.objects)) knowledge.domains.delete(typeKey(bodyOf(object, 'TypeName')?.names) ?? '');
      } else if (body.removeType === 'OBJECT_POLICY') {
        // DROP POLICY name ON [schema.]table: the object is the list [schema,] table, name.
        for (const object of list(body.objects)) {
          const names = list(bodyOf(object, 'List')?.items).map((i) => stringValue(i) ?? '');
          const policy = names.pop() ?? '';
          knowledge.policies.get(names.length > 1 ? names.join('.') : `public.${names[0] ?? ''}`)?.delete(policy);
        }
      } else if (body.removeType === 'OBJECT_INDEX') {
        for (const object of list(body.objects)) {
          const name = objectName(object);
          knowledge.renameIndex(name.includes('.') ? name : `public.${name}`, undefined);
        }
      }
      return;
    case 'CreateFunctionStmt': {
      const name = nameList(body.funcname).split('.').at(-1)!.toLowerCase();
      let volatility: 'i' | 's' | 'v' = 'v';
      for (const option of list(body.options)) {
        const def = bodyOf(option, 'DefElem');
        if (def?.defname !== 'volatility') continue;
        const value = stringValue(def.arg) ?? '';
        volatility = value === 'immutable' ? 'i' : value === 'stable' ? 's' : 'v';
      }
      knowledge.functions.set(name, volatility);
      return;
    }
    default:
      return;
  }
}

/** Relations a view can stand in for after a rename or a move to another schema. */
const MOVABLE_RELATIONS = new Set<ObjectType>(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE']);

/**
 * Records the columns an UPDATE copies into columns added to its table (`SET new = old`,
 * `SET new = lower(old)`): the backfill of a column that replaces another. Only what is sure to
 * read the table's own columns counts: no FROM clause (its tables' columns could be the source),
 * no subquery, names unqualified or qualified with the table's name or alias.
 */
function learnBackfill(knowledge: SchemaKnowledge, body: UpdateStmt, file: number): void {
  const relation = body.relation;
  const table = relationKey(relation);
  if (!relation || !table || list(body.fromClause).length > 0) return;
  const own = new Set([relation.relname, relation.alias?.aliasname].filter((n): n is string => typeof n === 'string'));
  for (const item of list(body.targetList)) {
    const target = bodyOf(item, 'ResTarget');
    // `SET a[1] = ...`, `SET a.f = ...` and `SET (a, b) = (...)` change part of a column or several at once.
    if (!target || typeof target.name !== 'string' || list(target.indirection).length > 0 || bodyOf(target.val, 'MultiAssignRef')) continue;
    for (const source of columnsRead(target.val, own) ?? []) knowledge.expandSteps.copied(table, source, target.name, file);
  }
}

/** The columns of the updated table an expression reads; undefined when it may read anything else (a subquery, another qualifier). */
function columnsRead(expression: Node | undefined, own: ReadonlySet<string>): string[] | undefined {
  const columns: string[] = [];
  let sure = true;
  walk(expression, (obj) => {
    if (obj.SubLink) sure = false;
    const fields = list(obj.ColumnRef?.fields).map(stringValue);
    if (fields.length === 0) return;
    const qualifier = fields.length === 2 ? fields[0] : undefined;
    const column = fields.at(-1);
    if (typeof column !== 'string' || fields.length > 2 || (qualifier !== undefined && !own.has(qualifier))) sure = false;
    else columns.push(column);
  });
  return sure ? columns : undefined;
}

/** Records a domain's CHECK or NOT NULL constraint under the name PostgreSQL gives it. */
function addDomainConstraint(info: DomainInfo, key: string, constraint: Constraint | undefined): void {
  if (constraint?.contype === 'CONSTR_NOTNULL') info.constraints.add('NOT NULL');
  else if (constraint?.contype === 'CONSTR_CHECK') {
    const leaf = key.slice(key.indexOf('.') + 1);
    let name = typeof constraint.conname === 'string' ? constraint.conname : `${leaf}_check`;
    for (let i = 1; typeof constraint.conname !== 'string' && info.constraints.has(name); i++) name = `${leaf}_check${i}`;
    info.constraints.add(name);
  }
}

const SERIAL_TYPES = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

/** A column definition that makes the column NOT NULL: NOT NULL, PRIMARY KEY, serial, identity. */
function declaredNotNull(def: ColumnDef): boolean {
  const type = (stringValue(list(def.typeName?.names).at(-1)) ?? '').toLowerCase();
  if (SERIAL_TYPES.has(type)) return true;
  return list(def.constraints).some((c) => {
    const contype = bodyOf(c, 'Constraint')?.contype;
    return contype === 'CONSTR_NOTNULL' || contype === 'CONSTR_PRIMARY' || contype === 'CONSTR_IDENTITY';
  });
}

/**
 * The columns a table constraint makes NOT NULL: a PRIMARY KEY's (its keys, or the key columns of
 * the index it takes over with USING INDEX), a validated PostgreSQL 18 `NOT NULL col` constraint's.
 */
function notNullKeys(knowledge: SchemaKnowledge, table: string, constraint: Constraint | undefined): string[] {
  if (constraint?.contype === 'CONSTR_PRIMARY') {
    if (typeof constraint.indexname === 'string') {
      const index = knowledge.indexes.get(`${table.split('.')[0]}.${constraint.indexname}`);
      return (index?.columns ?? []).filter((c): c is string => c !== undefined);
    }
    return strings(constraint.keys).filter(Boolean);
  }
  if (constraint?.contype === 'CONSTR_NOTNULL' && constraint.skip_validation !== true) {
    return strings(constraint.keys).filter(Boolean);
  }
  return [];
}

/** The values of a list of `String` nodes (column names), `''` for anything else. */
const strings = (items: readonly Node[] | undefined) => list(items).map((i) => stringValue(i) ?? '');

function addConstraint(knowledge: SchemaKnowledge, table: string, constraint: Constraint | undefined, at: ConstraintInfo['addedIn'], column?: string): void {
  if (!constraint) return;
  addColumnConstraint(knowledge, table, constraint, column);
  const kind = constraintKind(constraint);
  if (kind === 'foreign') {
    const columns = column ? [column] : strings(constraint.fk_attrs);
    const references = relationKey(constraint.pktable);
    // PostgreSQL names an unnamed key <table>_<columns>_fkey.
    const name = typeof constraint.conname === 'string' ? constraint.conname : `${table.slice(table.indexOf('.') + 1)}_${columns.join('_')}_fkey`;
    if (references) knowledge.foreignKeys.push({ name, table, columns, references, refColumns: strings(constraint.pk_attrs) });
  }
  // A column's own NOT NULL / DEFAULT have no name; only named constraints can be validated later.
  const name = typeof constraint.conname === 'string' ? constraint.conname : undefined;
  if (!name || kind === 'other') return;
  // PostgreSQL 18 names NOT NULL constraints (`ADD CONSTRAINT n NOT NULL col [NOT VALID]`); a column's own bare NOT NULL has no name.
  const notNullColumn = kind === 'notnull' ? stringValue(list(constraint.keys)[0]) : notNullCheckColumn(constraint);
  knowledge.setConstraint(table, name, {
    kind,
    validated: constraint.skip_validation !== true,
    notNullColumn,
    addedIn: { ...at },
  });
}


const KEYED: Partial<Record<NonNullable<Constraint['contype']>, ColumnConstraint['kind']>> = {
  CONSTR_PRIMARY: 'primary',
  CONSTR_UNIQUE: 'unique',
  CONSTR_FOREIGN: 'foreign',
  CONSTR_CHECK: 'check',
  CONSTR_EXCLUSION: 'exclusion',
};

/**
 * Records the columns a constraint uses under its name (PostgreSQL's own for an unnamed one), named
 * or not: an operation that copies a column into a new one (rename-column, change-column-type)
 * refuses a column a constraint uses, so the linter does not offer its plan for one.
 */
function addColumnConstraint(knowledge: SchemaKnowledge, table: string, constraint: Constraint, column: string | undefined): void {
  const kind = constraint.contype ? KEYED[constraint.contype] : undefined;
  if (!kind) return;
  const own = column ? [{ String: { sval: column } }] : undefined;
  // A column constraint names its column nowhere in its own node: PostgreSQL names it after the column.
  const named: Constraint = own ? { ...constraint, keys: kind === 'primary' || kind === 'unique' ? own : constraint.keys, fk_attrs: kind === 'foreign' ? own : constraint.fk_attrs } : constraint;
  const bare = table.slice(table.indexOf('.') + 1);
  let columns: string[];
  if ((kind === 'primary' || kind === 'unique') && typeof constraint.indexname === 'string') {
    columns = (knowledge.indexes.get(`${table.split('.')[0]}.${constraint.indexname}`)?.columns ?? []).filter((c): c is string => c !== undefined);
  } else if (kind === 'check' || kind === 'exclusion') {
    const read = new Set<string>(column ? [column] : []);
    walk(kind === 'check' ? constraint.raw_expr : constraint.exclusions, (obj) => {
      const name = obj.ColumnRef ? stringValue(list(obj.ColumnRef.fields).at(-1)) : obj.IndexElem?.name;
      if (typeof name === 'string') read.add(name);
    });
    columns = [...read];
  } else {
    columns = strings(kind === 'foreign' ? named.fk_attrs : named.keys).filter(Boolean);
  }
  knowledge.setColumnConstraint(table, constraintName(named, bare).name, { kind, columns });
}
