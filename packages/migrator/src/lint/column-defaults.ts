import { bodyOf, list, stringValue, type AlterTableCmd, type ColumnDef } from '../sql/ast.js';
import type { ColumnDefault, PendingDefault } from './knowledge.js';
import { OwnStatement } from './rules/rewrites-helpers.js';

/**
 * How a column is filled when a write leaves it out, as the statements that define it say: its
 * DEFAULT as written (the text the operations put back into SQL), a sequence (serial, identity),
 * or a generated expression. The operations that copy a column through a trigger move its
 * default into the trigger, and refuse a sequence-filled or generated column, so the linter's
 * help, which is their plan, needs to know.
 */

const SERIAL_TYPES = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

/**
 * What a column definition fills the column with; undefined for nothing (no DEFAULT, or DEFAULT
 * NULL). A DEFAULT's text needs the statement re-parsed on its own text (`ownDef`: that parse
 * and the same definition in its tree, whose locations point into the text), which costs more
 * than everything else the linter learns from the statement, and only the help of a few rules
 * ever reads it: so it is found when first asked (SchemaKnowledge.columnDefault), and a DEFAULT
 * whose text cannot be found is `unknown`.
 */
export function definedDefault(def: ColumnDef, ownDef: () => { own: OwnStatement | undefined; def: ColumnDef | undefined }): PendingDefault | undefined {
  const type = (stringValue(list(def.typeName?.names).at(-1)) ?? '').toLowerCase();
  if (SERIAL_TYPES.has(type) && list(def.typeName?.names).length === 1) return SEQUENCE;
  for (const item of list(def.constraints)) {
    const constraint = bodyOf(item, 'Constraint');
    if (constraint?.contype === 'CONSTR_IDENTITY') return SEQUENCE;
    if (constraint?.contype === 'CONSTR_GENERATED') return GENERATED;
  }
  const nth = list(def.constraints).findIndex((c) => bodyOf(c, 'Constraint')?.contype === 'CONSTR_DEFAULT');
  const constraint = bodyOf(list(def.constraints)[nth], 'Constraint');
  if (!constraint || bodyOf(constraint.raw_expr, 'A_Const')?.isnull === true) return undefined;
  return () => {
    const { own, def: ownDefinition } = ownDef();
    const ownConstraint = bodyOf(list(ownDefinition?.constraints)[nth], 'Constraint');
    const span = own && ownDefinition && ownConstraint ? own.constraintSpans(ownDefinition).find((s) => s.constraint === ownConstraint) : undefined;
    const sql = own && span ? afterKeyword(own, span.start, span.end, 'DEFAULT') : undefined;
    return sql ? { kind: 'expression', sql } : UNKNOWN;
  };
}

/** Shared by every column they describe, so frozen. */
const SEQUENCE: ColumnDefault = Object.freeze({ kind: 'sequence' });
const GENERATED: ColumnDefault = Object.freeze({ kind: 'generated' });
const UNKNOWN: ColumnDefault = Object.freeze({ kind: 'unknown' });

/** The column definitions of a CREATE TABLE in the statement's own tree, by column name. */
export function ownColumnDefs(own: OwnStatement | undefined): Map<string, ColumnDef> {
  const defs = new Map<string, ColumnDef>();
  for (const element of list(own?.bodyOf('CreateStmt')?.tableElts)) {
    const def = bodyOf(element, 'ColumnDef');
    if (def && typeof def.colname === 'string') defs.set(def.colname, def);
  }
  return defs;
}

/** The commands of an ALTER TABLE in the statement's own tree, in order. */
export function ownCommands(own: OwnStatement | undefined): (AlterTableCmd | undefined)[] {
  return list(own?.bodyOf('AlterTableStmt')?.cmds).map((c) => bodyOf(c, 'AlterTableCmd'));
}

/**
 * The expression of the `index`-th `SET DEFAULT` of an ALTER TABLE (counting only the commands
 * that set one), as written; undefined when it cannot be found.
 */
export function setDefaultText(own: OwnStatement | undefined, index: number): string | undefined {
  if (!own) return undefined;
  let depth = 0;
  let seen = 0;
  const tokens = own.tokens;
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i]!;
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    else if (depth === 0 && t.keyword && t.upper === 'SET' && tokens[i + 1]!.keyword && tokens[i + 1]!.upper === 'DEFAULT') {
      if (seen++ < index) continue;
      const from = tokens[i + 2];
      return from ? own.sql.slice(from.start, own.clauseEnd(from.start)).trim() || undefined : undefined;
    }
  }
  return undefined;
}

/** The text after the keyword `word` within [start, end), trimmed. */
function afterKeyword(own: OwnStatement, start: number, end: number, word: string): string | undefined {
  const at = own.keywordAfter(start, word, end);
  const from = at === undefined ? undefined : own.nextToken(at);
  if (from === undefined || from >= end) return undefined;
  return own.sql.slice(from, end).trim() || undefined;
}
