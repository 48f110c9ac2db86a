import { bodyOf, generatedKind, list, qualified, relationKey, stringValue, type AlterTableStmt, type AlterTableType, type ColumnDef, type Constraint, type Node } from '../sql/ast.js';
import { columnType, droppedConstraints, timestampZoneChangeSkipsRewriteInUtc, typeChangeKeepsRows, typeText, usingIndexColumns, usingIsPlainColumn, volatileCall } from './knowledge.js';
import { defaultPartitionScan, FK_DROPPED, type EffectContext, type Effects } from './effect-set.js';
import type { LockMode } from './locks.js';

/** The effects of ALTER TABLE, subcommand by subcommand (AlterTableGetLockLevel in tablecmds.c). */

/** Subcommands that take less than ACCESS EXCLUSIVE (AlterTableGetLockLevel). */
const LIGHTER_SUBCOMMANDS: Partial<Record<AlterTableType, LockMode>> = {
  AT_SetStatistics: 'SHARE UPDATE EXCLUSIVE',
  AT_ClusterOn: 'SHARE UPDATE EXCLUSIVE',
  AT_DropCluster: 'SHARE UPDATE EXCLUSIVE',
  AT_SetRelOptions: 'SHARE UPDATE EXCLUSIVE',
  AT_ResetRelOptions: 'SHARE UPDATE EXCLUSIVE',
  AT_ValidateConstraint: 'SHARE UPDATE EXCLUSIVE',
  AT_AttachPartition: 'SHARE UPDATE EXCLUSIVE',
  AT_EnableTrig: 'SHARE ROW EXCLUSIVE',
  AT_EnableAlwaysTrig: 'SHARE ROW EXCLUSIVE',
  AT_EnableReplicaTrig: 'SHARE ROW EXCLUSIVE',
  AT_EnableTrigAll: 'SHARE ROW EXCLUSIVE',
  AT_EnableTrigUser: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrig: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrigAll: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrigUser: 'SHARE ROW EXCLUSIVE',
};

export function alterTable(body: AlterTableStmt, effects: Effects, context: EffectContext): void {
  const table = relationKey(body.relation);
  const name = qualified(body.relation);
  for (const item of list(body.cmds)) {
    const cmd = bodyOf(item, 'AlterTableCmd');
    if (!cmd) continue;
    const subtype = cmd.subtype;
    const column = typeof cmd.name === 'string' ? cmd.name : undefined;
    switch (subtype) {
      case 'AT_AddColumn': {
        const def = bodyOf(cmd.def, 'ColumnDef');
        const rewrite = addColumnRewrite(def, context);
        const check = addsCheck(def);
        effects.add(table, 'ACCESS EXCLUSIVE', {
          rewrite: rewrite !== undefined,
          scan: rewrite !== undefined || addsIndex(def) || check,
          why: rewrite ?? (check ? `ADD COLUMN ${def?.colname ?? '?'} ... CHECK checks every existing row while holding the lock` : 'ADD COLUMN changes the table definition'),
        });
        for (const c of list(def?.constraints)) foreignKey(bodyOf(c, 'Constraint'), table, effects, false);
        break;
      }
      case 'AT_AlterColumnType': {
        const def = bodyOf(cmd.def, 'ColumnDef');
        const to = columnType(def?.typeName);
        const from = context.knowledge.columnType(table, column);
        // `USING col` and `USING col::<new type>` are what PostgreSQL does without a USING.
        const plain = usingIsPlainColumn(def?.raw_default, column, to);
        const keeps = plain && to ? typeChangeKeepsRows(from, to, context.knowledge) : false;
        // timestamp <-> timestamptz: still counted as a rewrite, which happens unless the session TimeZone is UTC.
        const utcOnly = plain && from && to && context.pgVersion >= 12 && timestampZoneChangeSkipsRewriteInUtc(from, to);
        const target = `ALTER COLUMN ${column} TYPE ${to ? typeText(to) : '?'}`;
        // A new collation keeps the rows (the table file stays) but rebuilds the column's indexes.
        const collation = def?.collClause !== undefined;
        effects.add(table, 'ACCESS EXCLUSIVE', {
          rewrite: keeps !== true,
          scan: keeps !== true || collation,
          why: keeps === true
            ? collation
              ? `${target} COLLATE keeps the rows but rebuilds the indexes on ${column}`
              : `${target} keeps the rows (binary-coercible from ${from ? typeText(from) : '?'})`
            : utcOnly
              ? `${target} (from ${typeText(from)}) rewrites unless the session TimeZone is UTC (PostgreSQL 12+)`
              : `${target} rewrites the table${from ? ` (from ${typeText(from)})` : ''}`,
        });
        break;
      }
      case 'AT_SetNotNull': {
        // A CHECK the same statement drops is gone before SET NOT NULL runs (DROP runs in an earlier pass).
        const check = context.pgVersion >= 12 ? context.knowledge.validatedNotNullCheck(table, column, droppedConstraints(body)) : undefined;
        effects.add(table, 'ACCESS EXCLUSIVE', {
          scan: !check,
          why: check ? `SET NOT NULL on ${column} uses the validated CHECK ${check} instead of scanning` : `SET NOT NULL on ${column} scans the table to check for NULLs`,
        });
        break;
      }
      case 'AT_AddConstraint': {
        const constraint = bodyOf(cmd.def, 'Constraint');
        if (constraint?.contype === 'CONSTR_FOREIGN') foreignKey(constraint, table, effects, true);
        else {
          const validates = constraint?.skip_validation !== true && (constraint?.contype === 'CONSTR_CHECK' || constraint?.contype === 'CONSTR_NOTNULL');
          const index = (constraint?.contype === 'CONSTR_UNIQUE' || constraint?.contype === 'CONSTR_PRIMARY' || constraint?.contype === 'CONSTR_EXCLUSION') && !constraint.indexname;
          const nullable = primaryKeyNullableColumns(constraint, table, body, context);
          effects.add(table, 'ACCESS EXCLUSIVE', {
            scan: validates || index || nullable.length > 0,
            why: index
              ? 'the constraint builds its index while holding the lock'
              : validates
                ? 'the constraint is validated against every row while holding the lock'
                : nullable.length > 0
                  ? `PRIMARY KEY USING INDEX sets NOT NULL on ${nullable.join(', ')}, which scans the table for NULLs`
                  : 'ADD CONSTRAINT changes the table definition',
          });
        }
        break;
      }
      case 'AT_ValidateConstraint': {
        effects.add(table, 'SHARE UPDATE EXCLUSIVE', { scan: true, why: `VALIDATE CONSTRAINT ${column ?? ''} reads every row without blocking writes` });
        const info = context.knowledge.constraint(table, column);
        if (info?.kind === 'foreign') {
          // The referenced table is read too, under ROW SHARE; which one it is needs the catalog.
        }
        break;
      }
      case 'AT_SetLogged':
      case 'AT_SetUnLogged':
        effects.add(table, 'ACCESS EXCLUSIVE', { rewrite: true, scan: true, why: `SET ${subtype === 'AT_SetLogged' ? 'LOGGED' : 'UNLOGGED'} rewrites the table` });
        break;
      case 'AT_SetTableSpace':
        effects.add(table, 'ACCESS EXCLUSIVE', { rewrite: true, scan: true, why: 'SET TABLESPACE copies every file of the table' });
        break;
      case 'AT_SetAccessMethod':
        effects.add(table, 'ACCESS EXCLUSIVE', { rewrite: true, scan: true, why: 'SET ACCESS METHOD rewrites the table' });
        break;
      case 'AT_SetExpression':
        effects.add(table, 'ACCESS EXCLUSIVE', { rewrite: true, scan: true, why: 'SET EXPRESSION recomputes the generated column for every row' });
        break;
      case 'AT_AttachPartition': {
        const partition = bodyOf(cmd.def, 'PartitionCmd');
        const child = relationKey(partition?.name);
        const proven = context.knowledge.hasValidatedCheck(child);
        // The parent's lock dropped from ACCESS EXCLUSIVE to SHARE UPDATE EXCLUSIVE in PostgreSQL 12.
        effects.add(table, context.pgVersion >= 12 ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE', { why: `ATTACH PARTITION adds ${qualified(partition?.name)} to ${name}` });
        effects.add(child, 'ACCESS EXCLUSIVE', {
          scan: !proven,
          why: proven ? 'a validated CHECK constraint proves the partition bound' : 'ATTACH PARTITION scans the partition to check its rows fit the bound',
        });
        if (partition?.bound?.is_default !== true) defaultPartitionScan(table, effects, context);
        break;
      }
      case 'AT_DetachPartition': {
        const partition = bodyOf(cmd.def, 'PartitionCmd');
        const mode: LockMode = partition?.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
        effects.add(table, mode, { why: 'DETACH PARTITION' });
        effects.add(relationKey(partition?.name), 'ACCESS EXCLUSIVE', { why: 'DETACH PARTITION' });
        break;
      }
      default:
        effects.add(table, (subtype && LIGHTER_SUBCOMMANDS[subtype]) ?? 'ACCESS EXCLUSIVE', { why: `${(subtype ?? '').replace(/^AT_/, '')} changes the table definition` });
    }
    // Dropping a foreign key (itself, or the column it uses) drops its triggers on the referenced table.
    if ((subtype === 'AT_DropConstraint' || subtype === 'AT_DropColumn') && column) {
      for (const fk of context.knowledge.foreignKeys) {
        if (fk.table === table && (subtype === 'AT_DropConstraint' ? fk.name === column : fk.columns.includes(column))) {
          effects.add(fk.references, 'ACCESS EXCLUSIVE', { why: FK_DROPPED });
        }
      }
    }
    // A new type for a referenced column rebuilds the foreign keys pointing at it, on their tables.
    if (subtype === 'AT_AlterColumnType' && column) {
      for (const fk of context.knowledge.foreignKeys) {
        if (fk.references === table && (fk.refColumns.length === 0 || fk.refColumns.includes(column))) {
          effects.add(fk.table, 'ACCESS EXCLUSIVE', { why: `the foreign keys of ${fk.table} that point at ${column} are rebuilt` });
        }
      }
    }
  }
}

/** A FOREIGN KEY locks both tables with SHARE ROW EXCLUSIVE and, unless NOT VALID, reads both. */
function foreignKey(constraint: Constraint | undefined, table: string | undefined, effects: Effects, validatesExisting: boolean): void {
  if (constraint?.contype !== 'CONSTR_FOREIGN') return;
  const validates = validatesExisting && constraint.skip_validation !== true;
  const why = validates ? 'the foreign key is validated against every row while both tables are locked' : 'a foreign key adds triggers to both tables';
  effects.add(table, 'SHARE ROW EXCLUSIVE', { scan: validates, why });
  effects.add(relationKey(constraint.pktable), 'SHARE ROW EXCLUSIVE', { scan: validates, why });
}

/**
 * The columns `ADD PRIMARY KEY USING INDEX` makes NOT NULL by scanning the table: key columns of
 * the index known to be nullable, without a validated `CHECK (col IS NOT NULL)` that PostgreSQL
 * 12+ uses instead. Empty when the index or its columns are unknown.
 */
export function primaryKeyNullableColumns(constraint: Constraint | undefined, table: string | undefined, body: AlterTableStmt, context: EffectContext): string[] {
  const columns = usingIndexColumns(context.knowledge, table, constraint);
  if (!columns) return [];
  const dropped = droppedConstraints(body);
  // A SET NOT NULL of the same statement runs first (and scans on its own account).
  const setHere = new Set(list(body.cmds).map((item) => bodyOf(item, 'AlterTableCmd')).filter((cmd) => cmd?.subtype === 'AT_SetNotNull').map((cmd) => cmd?.name));
  return columns.filter(
    (c) =>
      !setHere.has(c) &&
      context.knowledge.isNotNull(table, c) === false &&
      !(context.pgVersion >= 12 && context.knowledge.validatedNotNullCheck(table, c, dropped)),
  );
}

/** Whether ADD COLUMN ... CHECK (...) checks the existing rows (a column CHECK cannot be NOT VALID). */
function addsCheck(def: ColumnDef | undefined): boolean {
  return list(def?.constraints).some((c) => {
    const constraint = bodyOf(c, 'Constraint');
    return constraint?.contype === 'CONSTR_CHECK' && constraint.skip_validation !== true;
  });
}

/** Whether ADD COLUMN ... UNIQUE / PRIMARY KEY builds an index over the existing rows. */
function addsIndex(def: ColumnDef | undefined): boolean {
  return list(def?.constraints).some((c) => {
    const type = bodyOf(c, 'Constraint')?.contype;
    return type === 'CONSTR_UNIQUE' || type === 'CONSTR_PRIMARY' || type === 'CONSTR_EXCLUSION';
  });
}

const SERIAL = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

/**
 * Why ADD COLUMN rewrites the table, or undefined when it does not. Since PostgreSQL 11 a
 * non-volatile DEFAULT is stored once in the catalog; a volatile one (and a serial or identity
 * column, whose default is nextval()) is computed for every existing row, and so is a STORED
 * generated column. https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
 */
export function addColumnRewrite(def: ColumnDef | undefined, context: EffectContext): string | undefined {
  if (!def) return undefined;
  const column = def.colname ?? '?';
  const typeName = (stringValue(list(def.typeName?.names).at(-1)) ?? '').toLowerCase();
  if (SERIAL.has(typeName)) return `ADD COLUMN ${column} ${typeName} fills every existing row from a sequence, rewriting the table`;
  // ATExecAddColumn: a domain with constraints must be checked for every row (even NULL), so the table is rewritten, default or not.
  const domain = context.knowledge.constrainedDomain(def.typeName?.names);
  if (domain) return `ADD COLUMN ${column} of domain ${domain} checks the domain's constraints for every existing row, rewriting the table`;
  for (const item of list(def.constraints)) {
    const c = bodyOf(item, 'Constraint');
    if (!c) continue;
    if (c.contype === 'CONSTR_IDENTITY') return `ADD COLUMN ${column} GENERATED AS IDENTITY fills every existing row from a sequence, rewriting the table`;
    if (c.contype === 'CONSTR_GENERATED' && !isVirtual(c)) return `ADD COLUMN ${column} GENERATED ALWAYS AS (...) STORED computes every existing row, rewriting the table`;
    if (c.contype === 'CONSTR_DEFAULT' && !isNullConstant(c.raw_expr)) {
      if (context.pgVersion < 11) return `ADD COLUMN ${column} with a DEFAULT rewrites the table before PostgreSQL 11`;
      const fn = volatileCall(c.raw_expr, context.knowledge);
      if (fn) return `ADD COLUMN ${column} DEFAULT ${fn}(...) evaluates the volatile function for every existing row, rewriting the table`;
    }
  }
  return undefined;
}

/** PostgreSQL 18's `GENERATED ALWAYS AS (...) VIRTUAL` (the default there) computes on read: no rewrite. */
function isVirtual(constraint: Constraint): boolean {
  return generatedKind(constraint) === 'v';
}

/** `NULL`, or `NULL::type` as drizzle-kit and pg_dump write it. */
function isNullConstant(expr: Node | undefined): boolean {
  const inner = bodyOf(expr, 'TypeCast')?.arg ?? expr;
  return bodyOf(inner, 'A_Const')?.isnull === true;
}
