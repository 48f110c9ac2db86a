import { bodyOf, list, objectName, optionEnabled, relationKey, type CommentStmt, type Constraint, type CreateStmt, type DropStmt, type ObjectType, type UnwrappedStatement, type VacuumStmt } from '../sql/ast.js';
import type { SchemaKnowledge } from './knowledge.js';
import type { LockMode } from './locks.js';
import { alterTable } from './effects-alter-table.js';
import { defaultPartitionScan, Effects, FK_DROPPED, type EffectContext } from './effect-set.js';
import type { RelationEffect } from './types.js';

export type { EffectContext } from './effect-set.js';
export { addColumnRewrite, primaryKeyNullableColumns } from './effects-alter-table.js';

/**
 * The locks, rewrites and scans of one statement, relation by relation, from PostgreSQL's own
 * rules (AlterTableGetLockLevel in tablecmds.c, and each command's reference page). `sdk db plan
 * --trace` checks these against pg_locks and relfilenode on a scratch database.
 * https://www.postgresql.org/docs/current/explicit-locking.html
 */
export function statementEffects(statement: UnwrappedStatement, context: EffectContext): RelationEffect[] {
  const effects = new Effects(context);
  const { kind, body } = statement;
  switch (kind) {
    case 'AlterTableStmt':
      alterTable(body, effects, context);
      break;
    case 'IndexStmt': {
      const table = relationKey(body.relation);
      if (body.concurrent) effects.add(table, 'SHARE UPDATE EXCLUSIVE', { scan: true, why: 'CREATE INDEX CONCURRENTLY reads the table twice without blocking writes' });
      else effects.add(table, 'SHARE', { scan: true, why: 'CREATE INDEX reads the whole table to build the index' });
      break;
    }
    case 'DropStmt':
      drop(body, effects, context);
      break;
    case 'RenameStmt': {
      const table = relationKey(body.relation);
      // Renaming an index takes SHARE UPDATE EXCLUSIVE since PostgreSQL 12; everything else ACCESS EXCLUSIVE.
      const mode: LockMode = body.renameType === 'OBJECT_INDEX' && context.pgVersion >= 12 ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
      if (table) effects.add(table, mode, { why: 'RENAME changes the catalog entry' });
      break;
    }
    case 'TruncateStmt': {
      const truncated = list(body.relations).map((rel) => relationKey(bodyOf(rel, 'RangeVar')));
      for (const table of truncated) effects.add(table, 'ACCESS EXCLUSIVE', { rewrite: true, why: 'TRUNCATE replaces the table with an empty file' });
      // CASCADE empties every table whose foreign keys point at a truncated one, transitively.
      if (body.behavior === 'DROP_CASCADE') {
        for (const table of referencingTables(truncated, context.knowledge)) {
          effects.add(table, 'ACCESS EXCLUSIVE', { rewrite: true, why: 'TRUNCATE ... CASCADE also empties the tables whose foreign keys point at it' });
        }
      }
      break;
    }
    case 'LockStmt': {
      const mode = LOCK_STMT_MODES[Number(body.mode ?? 8)] ?? 'ACCESS EXCLUSIVE';
      for (const rel of list(body.relations)) effects.add(relationKey(bodyOf(rel, 'RangeVar')), mode, { why: 'LOCK TABLE holds the lock until the transaction ends' });
      break;
    }
    case 'VacuumStmt':
      vacuum(body, effects);
      break;
    case 'ClusterStmt':
      effects.add(relationKey(body.relation), 'ACCESS EXCLUSIVE', { rewrite: true, scan: true, why: 'CLUSTER rewrites the table in index order' });
      break;
    case 'RefreshMatViewStmt':
      effects.add(relationKey(body.relation), body.concurrent ? 'EXCLUSIVE' : 'ACCESS EXCLUSIVE', {
        rewrite: true,
        scan: true,
        why: body.concurrent ? 'REFRESH ... CONCURRENTLY recomputes the view and applies the difference' : 'REFRESH MATERIALIZED VIEW recomputes the view into a new file',
      });
      break;
    case 'ReindexStmt': {
      const concurrent = optionEnabled(body.params, 'concurrently') === true;
      const target = relationKey(body.relation);
      if (body.kind === 'REINDEX_OBJECT_TABLE' || body.kind === 'REINDEX_OBJECT_INDEX') {
        // REINDEX INDEX: ACCESS EXCLUSIVE on the index and SHARE on its table (when a CREATE INDEX told which).
        const mode: LockMode = concurrent ? 'SHARE UPDATE EXCLUSIVE' : body.kind === 'REINDEX_OBJECT_INDEX' ? 'ACCESS EXCLUSIVE' : 'SHARE';
        const why = concurrent ? 'REINDEX CONCURRENTLY builds a new copy without blocking writes' : 'REINDEX rebuilds the index while blocking writes';
        effects.add(target, mode, { scan: true, why });
        if (body.kind === 'REINDEX_OBJECT_INDEX') effects.add(context.knowledge.indexTable(target), concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE', { scan: true, why });
      }
      break;
    }
    case 'UpdateStmt':
    case 'DeleteStmt':
      effects.add(relationKey(body.relation), 'ROW EXCLUSIVE', {
        scan: body.whereClause === undefined,
        why: `${kind === 'UpdateStmt' ? 'UPDATE' : 'DELETE'} locks every row it changes until the transaction ends`,
      });
      break;
    case 'InsertStmt':
      effects.add(relationKey(body.relation), 'ROW EXCLUSIVE', { why: 'INSERT' });
      break;
    case 'AlterObjectSchemaStmt':
      if (body.relation) effects.add(relationKey(body.relation), 'ACCESS EXCLUSIVE', { why: 'SET SCHEMA moves the table' });
      break;
    case 'CreateTrigStmt':
      effects.add(relationKey(body.relation), 'SHARE ROW EXCLUSIVE', { why: 'CREATE TRIGGER' });
      break;
    case 'CommentStmt':
      comment(body, effects);
      break;
    case 'CreateStatsStmt':
      for (const rel of list(body.relations)) effects.add(relationKey(bodyOf(rel, 'RangeVar')), 'SHARE UPDATE EXCLUSIVE', { why: 'CREATE STATISTICS' });
      break;
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt':
      effects.add(relationKey(body.table), 'ACCESS EXCLUSIVE', { why: `${kind === 'CreatePolicyStmt' ? 'CREATE' : 'ALTER'} POLICY changes the table's row security` });
      break;
    case 'RuleStmt':
      effects.add(relationKey(body.relation), 'ACCESS EXCLUSIVE', { why: 'CREATE RULE changes how the table is queried' });
      break;
    case 'CreateStmt':
      createTable(body, effects, context);
      break;
    case 'CreateTableAsStmt':
      break;
    default:
      break;
  }
  return effects.list();
}

/** LockStmt.mode is PostgreSQL's LOCKMODE number: 1 = AccessShareLock ... 8 = AccessExclusiveLock. */
const LOCK_STMT_MODES: Record<number, LockMode> = {
  1: 'ACCESS SHARE', 2: 'ROW SHARE', 3: 'ROW EXCLUSIVE', 4: 'SHARE UPDATE EXCLUSIVE', 5: 'SHARE', 6: 'SHARE ROW EXCLUSIVE', 7: 'EXCLUSIVE', 8: 'ACCESS EXCLUSIVE',
};


function createTable(body: CreateStmt, effects: Effects, context: EffectContext): void {
  // A foreign key to an existing table takes SHARE ROW EXCLUSIVE on it (to add the RI triggers);
  // the new table is empty, so nothing is validated.
  const referenced = (constraint: Constraint | undefined) => {
    if (constraint?.contype === 'CONSTR_FOREIGN') effects.add(relationKey(constraint.pktable), 'SHARE ROW EXCLUSIVE', { why: 'a foreign key adds triggers to the referenced table' });
  };
  for (const element of list(body.tableElts)) {
    referenced(bodyOf(element, 'Constraint'));
    for (const c of list(bodyOf(element, 'ColumnDef')?.constraints)) referenced(bodyOf(c, 'Constraint'));
  }
  // CREATE TABLE ... PARTITION OF takes ACCESS EXCLUSIVE on the parent.
  for (const parent of list(body.inhRelations)) {
    if (!body.partbound) continue;
    const key = relationKey(bodyOf(parent, 'RangeVar'));
    effects.add(key, 'ACCESS EXCLUSIVE', { why: 'CREATE TABLE ... PARTITION OF changes the parent' });
    if (body.partbound.is_default !== true) defaultPartitionScan(key, effects, context);
  }
}

/** DROP POLICY / TRIGGER / RULE name ON table: the object list is the table's name followed by the object's. */
const DROPPED_FROM_TABLE: Partial<Record<ObjectType, string>> = { OBJECT_POLICY: 'POLICY', OBJECT_TRIGGER: 'TRIGGER', OBJECT_RULE: 'RULE' };

function drop(body: DropStmt, effects: Effects, context: EffectContext): void {
  const type = body.removeType;
  for (const object of list(body.objects)) {
    const name = objectName(object);
    const key = name.includes('.') ? name : `public.${name}`;
    if (type === 'OBJECT_TABLE' || type === 'OBJECT_MATVIEW' || type === 'OBJECT_VIEW') {
      effects.add(key, 'ACCESS EXCLUSIVE', { why: `DROP ${type === 'OBJECT_TABLE' ? 'TABLE' : 'VIEW'} removes it` });
      // Its foreign keys' triggers on the referenced tables go too.
      for (const fk of context.knowledge.foreignKeys) if (fk.table === key) effects.add(fk.references, 'ACCESS EXCLUSIVE', { why: FK_DROPPED });
    } else if (type === 'OBJECT_INDEX') {
      // The index's table is not in the statement: known when a CREATE INDEX linted so far made the index.
      const mode: LockMode = body.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
      const why = body.concurrent ? 'DROP INDEX CONCURRENTLY waits for queries using the index' : 'DROP INDEX locks the index and its table';
      effects.add(key, mode, { why });
      effects.add(context.knowledge.indexTable(key), mode, { why });
    } else if (type !== undefined && DROPPED_FROM_TABLE[type]) {
      const names = name.split('.');
      const table = names.slice(0, -1).join('.');
      if (table) effects.add(table.includes('.') ? table : `public.${table}`, 'ACCESS EXCLUSIVE', { why: `DROP ${DROPPED_FROM_TABLE[type]} changes the table` });
    }
  }
}

/** COMMENT ON a relation or a column: SHARE UPDATE EXCLUSIVE on the relation (CommentObject). */
const COMMENTED_RELATIONS = new Set<ObjectType>(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_INDEX', 'OBJECT_SEQUENCE', 'OBJECT_FOREIGN_TABLE']);

function comment(body: CommentStmt, effects: Effects): void {
  const type = body.objtype;
  if (type === undefined || (!COMMENTED_RELATIONS.has(type) && type !== 'OBJECT_COLUMN')) return;
  const names = objectName(body.object).split('.');
  const relation = type === 'OBJECT_COLUMN' ? names.slice(0, -1) : names;
  if (relation.length === 0) return;
  effects.add(relation.length > 1 ? relation.join('.') : `public.${relation[0]}`, 'SHARE UPDATE EXCLUSIVE', { why: 'COMMENT ON changes the catalog entry' });
}

function vacuum(body: VacuumStmt, effects: Effects): void {
  const full = optionEnabled(body.options, 'full') === true;
  for (const rel of list(body.rels)) {
    const relation = relationKey(bodyOf(rel, 'VacuumRelation')?.relation);
    if (full) effects.add(relation, 'ACCESS EXCLUSIVE', { rewrite: true, scan: true, why: 'VACUUM FULL rewrites the table' });
    else effects.add(relation, 'SHARE UPDATE EXCLUSIVE', { scan: true, why: body.is_vacuumcmd ? 'VACUUM' : 'ANALYZE samples the table' });
  }
}


/** Tables whose foreign keys point at any of `tables`, directly or through other such tables. */
function referencingTables(tables: readonly (string | undefined)[], knowledge: SchemaKnowledge): Set<string> {
  const found = new Set<string>();
  const queue = tables.filter((t): t is string => t !== undefined);
  while (queue.length > 0) {
    const target = queue.pop()!;
    for (const fk of knowledge.foreignKeys) {
      if (fk.references === target && !found.has(fk.table) && !tables.includes(fk.table)) {
        found.add(fk.table);
        queue.push(fk.table);
      }
    }
  }
  return found;
}
