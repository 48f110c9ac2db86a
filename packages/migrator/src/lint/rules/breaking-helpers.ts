import { bodyOf, list, nameList, objectName, relationKey, relationOf, stringConstants, type ObjectType } from '../../sql/ast.js';
import { ident, tokens, type Token } from '../rewrite.js';
import { embeddedCode } from '../../sql/classify.js';
import { transactionBlockChange } from '../../sql/transaction.js';
import type { LintStatement, LintStatementOf, RuleContext } from '../types.js';

/**
 * Shared by the rules about the running application (expand/contract) and data loss: what this
 * file created before a statement, what runs after it, and token-level edits of the user's SQL.
 */

/** Migration steps shared by the recipes. */
export const STEPS = {
  backup: '`sdk db backup --verify` (a backup proven to restore)',
} as const;

export type { Token } from '../rewrite.js';

/** The statement's tokens, without comments (rewrite.ts's shared, cached scan). */
export const sqlTokens = tokens;

/** The end (string offset) of the list item that starts at `from`: before the next top-level comma, or the statement's last token. */
export function itemEnd(tokens: readonly Token[], from: number): number {
  let depth = 0;
  let end = from;
  for (const token of tokens) {
    if (token.start < from) continue;
    if (token.text === '(') depth++;
    else if (token.text === ')') depth--;
    if (depth < 0 || (depth === 0 && (token.text === ',' || token.text === ';'))) return end;
    end = token.end;
  }
  return end;
}

function lastEndBefore(tokens: readonly Token[], at: number): number {
  let end = 0;
  for (const token of tokens) if (token.start < at) end = token.end;
  return end;
}

/**
 * The range that removes the tokens in [from, to) (string offsets) together with the blank before
 * them, in offsets of the text the tokens come from; undefined when no token is inside.
 */
export function cutRange(tokens: readonly Token[], from: number, to: number): { start: number; end: number } | undefined {
  let last: Token | undefined;
  for (const t of tokens) if (t.start >= from && t.end <= to) last = t;
  return last ? { start: lastEndBefore(tokens, from), end: last.end } : undefined;
}

/** Applies edits given in offsets of the original `sql` (non-overlapping), from the last to the first. */
export function applyEdits(sql: string, edits: readonly { start: number; end: number; text: string }[]): string {
  let out = sql;
  for (const edit of [...edits].sort((a, b) => b.start - a.start || b.end - a.end)) out = `${out.slice(0, edit.start)}${edit.text}${out.slice(edit.end)}`;
  return out;
}

/** An identifier as the parser stores it: a quoted one as written, a bare one folded to lower case. */
export { relationText } from './relation-helpers.js';

/**
 * Quotes a name the way the user quotes: drizzle-kit quotes every identifier, hand-written SQL
 * usually none, and the help should read like the statement it replaces.
 */
export function identLike(name: string, userText: string | undefined): string {
  return userText?.startsWith('"') ? `"${name.replace(/"/g, '""')}"` : ident(name);
}

/** `auth.users` -> `"auth"."users"` when the user quotes, `auth.users` otherwise; `public.` left out. */
export function relationLike(key: string, userText: string | undefined): string {
  const dot = key.indexOf('.');
  const schema = key.slice(0, dot);
  const name = key.slice(dot + 1);
  return schema === 'public' && !userText?.includes('.') ? identLike(name, userText) : qualifiedLike(key, userText);
}

/** `schema.name` always qualified, quoted the way the user quotes. */
export function qualifiedLike(key: string, userText: string | undefined): string {
  const dot = key.indexOf('.');
  return `${identLike(key.slice(0, dot), userText)}.${identLike(key.slice(dot + 1), userText)}`;
}

/** `auth.users` for messages; `public.` left out, as users write it. */
export function displayName(key: string): string {
  return key.startsWith('public.') ? key.slice('public.'.length) : key;
}

/** Position of the statement in `context.statements` (DO blocks add their inner statements after them). */
export function positionOf(context: RuleContext): number {
  return context.statements.indexOf(context.statement);
}

/** The statement that carries this one: itself, or the DO block it was found in. */
export function topLevelOf(context: RuleContext): LintStatement {
  let at = positionOf(context);
  while (at > 0 && context.statements[at]!.embeddedIn) at--;
  return context.statements[at] ?? context.statement;
}

type ObjectClass = 'relation' | 'type' | 'function' | 'schema';

/** `relation:public.users`, `type:public.mood`, `function:public.f`, `schema:auth`. */
function objectKey(kind: ObjectClass, name: string): string {
  return kind === 'schema' || name.includes('.') ? `${kind}:${name}` : `${kind}:public.${name}`;
}

const RELATION_TYPES = new Set<ObjectType>(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_SEQUENCE', 'OBJECT_FOREIGN_TABLE', 'OBJECT_INDEX']);
const TYPE_TYPES = new Set<ObjectType>(['OBJECT_TYPE', 'OBJECT_DOMAIN']);
const FUNCTION_TYPES = new Set<ObjectType>(['OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE']);

function classOf(type: ObjectType | undefined): ObjectClass | undefined {
  if (type === undefined) return undefined;
  if (RELATION_TYPES.has(type)) return 'relation';
  if (TYPE_TYPES.has(type)) return 'type';
  if (FUNCTION_TYPES.has(type)) return 'function';
  if (type === 'OBJECT_SCHEMA') return 'schema';
  return undefined;
}

/**
 * The objects created earlier in this file and still there when `context.statement` runs:
 * tables, views, materialized views, sequences, types, functions and schemas, followed through
 * renames and SET SCHEMA. The engine's `isNewTable` knows only CREATE TABLE (and CREATE TABLE AS);
 * a view or type created a few lines up is just as unknown to the running app.
 */
function createdBefore(context: RuleContext): Set<string> {
  const created = new Set<string>();
  const end = positionOf(context);
  for (let i = 0; i < end; i++) {
    const { kind, body } = context.statements[i]!;
    switch (kind) {
      case 'CreateStmt':
      case 'ViewStmt':
      case 'CreateSeqStmt': {
        const rel = kind === 'CreateStmt' ? body.relation : kind === 'ViewStmt' ? body.view : body.sequence;
        const key = relationKey(rel);
        if (key) created.add(`relation:${key}`);
        break;
      }
      case 'CreateTableAsStmt': {
        const key = relationKey(body.into?.rel);
        if (key) created.add(`relation:${key}`);
        break;
      }
      case 'CreateEnumStmt':
      case 'CreateDomainStmt':
        created.add(objectKey('type', nameList(kind === 'CreateEnumStmt' ? body.typeName : body.domainname)));
        break;
      case 'CompositeTypeStmt': {
        const key = relationKey(body.typevar);
        if (key) created.add(`type:${key}`);
        break;
      }
      case 'CreateFunctionStmt':
        created.add(objectKey('function', nameList(body.funcname)));
        break;
      case 'CreateSchemaStmt':
        if (typeof body.schemaname === 'string') created.add(`schema:${body.schemaname}`);
        break;
      case 'RenameStmt': {
        const cls = classOf(body.renameType);
        if (!cls || typeof body.newname !== 'string') break;
        const from = cls === 'relation' ? `relation:${relationKey(body.relation) ?? ''}` : cls === 'schema' ? `schema:${body.subname ?? ''}` : objectKey(cls, objectName(body.object));
        if (!created.delete(from)) break;
        const schema = from.slice(from.indexOf(':') + 1).split('.')[0]!;
        created.add(cls === 'schema' ? `schema:${body.newname}` : `${cls}:${schema}.${body.newname}`);
        break;
      }
      case 'AlterObjectSchemaStmt': {
        const cls = classOf(body.objectType);
        if (!cls || cls === 'schema' || typeof body.newschema !== 'string') break;
        const from = cls === 'relation' ? `relation:${relationKey(body.relation) ?? ''}` : objectKey(cls, objectName(body.object));
        if (created.delete(from)) created.add(`${cls}:${body.newschema}.${from.split('.').slice(1).join('.')}`);
        break;
      }
      case 'DropStmt': {
        const cls = classOf(body.removeType);
        if (!cls) break;
        for (const object of list(body.objects)) created.delete(cls === 'schema' ? `schema:${objectName(object)}` : objectKey(cls, objectName(object)));
        break;
      }
      default:
        break;
    }
  }
  return created;
}

/** Whether a table, view, materialized view or sequence (a relationKey) was created earlier in this file. */
export function relationCreatedInFile(context: RuleContext, key: string | undefined): boolean {
  if (!key) return false;
  return context.isNewTable(key) || createdBefore(context).has(`relation:${key}`);
}

/** Whether the type, function (`schema.name` or bare name) or schema was created earlier in this file. */
export function objectCreatedInFile(context: RuleContext, kind: 'type' | 'function' | 'schema', name: string): boolean {
  return createdBefore(context).has(objectKey(kind, name));
}

/** Whether `column` of `table` was added (or renamed into place) earlier in this file: the running app cannot use it yet. */
export function columnAddedInFile(context: RuleContext, table: string | undefined, column: string | undefined): boolean {
  if (!table || !column) return false;
  let added = false;
  const end = positionOf(context);
  for (let i = 0; i < end; i++) {
    const statement = context.statements[i]!;
    if (relationKey(relationOf(statement)) !== table) continue;
    const { kind, body } = statement;
    if (kind === 'AlterTableStmt') {
      for (const item of list(body.cmds)) {
        const cmd = bodyOf(item, 'AlterTableCmd');
        if (cmd?.subtype === 'AT_AddColumn' && bodyOf(cmd.def, 'ColumnDef')?.colname === column) added = true;
        if (cmd?.subtype === 'AT_DropColumn' && cmd.name === column) added = false;
      }
    } else if (kind === 'RenameStmt' && body.renameType === 'OBJECT_COLUMN') {
      if (body.subname === column) added = false;
      if (body.newname === column) added = columnAddedBefore(context, i, table, body.subname ?? '');
    }
  }
  return added;
}

function columnAddedBefore(context: RuleContext, index: number, table: string, column: string): boolean {
  const statement = context.statements[index]!;
  return columnAddedInFile({ ...context, statement }, table, column);
}

/** Whether a later statement of the file creates a view named `key`: the old name kept working. */
export function viewCreatedLater(context: RuleContext, key: string): boolean {
  return context.statements.slice(positionOf(context) + 1).some((s) => s.kind === 'ViewStmt' && relationKey(s.body.view) === key);
}

/** Whether a statement uses the string `value`: as a constant, or quoted inside a DO block or function body. */
export function usesValue(statement: LintStatement, value: string): boolean {
  if (stringConstants(statement.node).has(value)) return true;
  const quoted = `'${value.replace(/'/g, "''")}'`;
  return embeddedCode(statement.node).some((code) => code.includes(quoted));
}

/** COMMIT, END, ROLLBACK and PREPARE TRANSACTION close an explicit transaction block. */
export function endsTransactionBlock(statement: LintStatement): boolean {
  return transactionBlockChange(statement) === 'closes';
}

/**
 * Whether a later statement of the same transaction (of this file, before the transaction ends)
 * matches: what it does is seen by no other session before the commit, so it completes this one.
 */
export function laterInTransaction(context: RuleContext, matches: (later: LintStatement) => boolean): boolean {
  const { statement, statements } = context;
  for (const later of statements.slice(positionOf(context) + 1)) {
    if (later.transaction !== statement.transaction || endsTransactionBlock(later)) return false;
    if (matches(later)) return true;
  }
  return false;
}

/** How messages name the relation kinds of DropStmt.removeType / RenameStmt.renameType. */
export const RELATION_WORDS: Partial<Record<ObjectType, string>> = { OBJECT_TABLE: 'table', OBJECT_VIEW: 'view', OBJECT_MATVIEW: 'materialized view' };

/**
 * The ALTER TABLE statement and the relationKey of the table it changes, when that table existed
 * before this file (the running app uses it); else undefined.
 */
export function existingTableAltered(context: RuleContext): { table: string; statement: LintStatementOf<'AlterTableStmt'> } | undefined {
  const { statement } = context;
  if (statement.kind !== 'AlterTableStmt' || statement.body.objtype !== 'OBJECT_TABLE') return undefined;
  const table = relationKey(statement.body.relation);
  return table && !context.isNewTable(table) ? { table, statement } : undefined;
}
