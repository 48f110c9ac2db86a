import { bodyOf, list, relationKey, type Node, type SelectStmt, type UpdateStmt } from '../../sql/ast.js';
import { parseEntries } from '../../sql/spans.js';
import { ident, tokens, type Token } from '../rewrite.js';
import { relationText } from './relation-helpers.js';

/**
 * The one batching recipe of the linter's help: the backfill engine, `sdk db backfill` (library:
 * `backfill()` from '@big0290/migrator'). It walks the table in primary-key order, each batch its
 * own short transaction with lock_timeout and retries, re-checks the WHERE in every batch and
 * writes a checkpoint after each one, so a rerun resumes. A migration runs once, in one
 * transaction: a batch written into one changes the first batch and is recorded as applied.
 */

/** When a backfill runs, for the help texts. */
export const BACKFILL_WHEN = 'between the expand and the contract deploy';

/** What the engine does, in one parenthesis. */
export const BACKFILL_HOW = 'batches in primary-key order, each its own short transaction, checkpointed so a rerun resumes';

/** A backfill as SQL text: the table, the SET list and the WHERE condition, as the user wrote them. */
export interface BackfillText {
  table: string;
  /** The SET list; undefined when it cannot run as written (it reads a FROM list, a CTE, a PL/pgSQL variable). */
  set: string | undefined;
  /** The rows that still need it; undefined for all rows. */
  where?: string | undefined;
  /** The WHERE names something only the statement's context knows (a loop variable): the command says `<...>`. */
  whereUnknown?: boolean | undefined;
}

const SET_PLACEHOLDER = '<column> = <expression>';
const WHERE_PLACEHOLDER = '<rows that still need it>';

/**
 * `sdk db backfill --table auth.users --set "status = 'active'" --where "status IS NULL"`: the
 * names unquoted where PostgreSQL reads them the same bare, each value quoted for a POSIX shell.
 */
export function backfillCommand(spec: BackfillText): string {
  const table = plainNames(spec.table, (t) => `UPDATE ${t} SET x = 1`);
  const set = spec.set === undefined ? SET_PLACEHOLDER : plainNames(spec.set, (s) => `UPDATE t SET ${s}`);
  const where = spec.whereUnknown ? WHERE_PLACEHOLDER : spec.where === undefined ? undefined : plainNames(spec.where, (w) => `SELECT 1 WHERE ${w}`);
  return `sdk db backfill --table ${shellWord(table)} --set ${shellWord(set)}${where === undefined ? '' : ` --where ${shellWord(where)}`}`;
}

/**
 * The backfill that does what an UPDATE does, from its own text: the table as it spells it, its
 * SET list and its WHERE. A batch condition (`id IN (SELECT id FROM t WHERE cond LIMIT n)`, or by
 * ctid) becomes its inner `cond`, since the engine batches by itself. `variables` are names of
 * the DO block around it: a WHERE that names one is left for the user to write. Undefined for
 * anything but an UPDATE of one table.
 */
export function backfillOfUpdate(sql: string, variables: readonly string[] = []): BackfillText | undefined {
  let body: UpdateStmt | undefined;
  try {
    body = bodyOf(parseEntries(sql)[0]?.stmt, 'UpdateStmt');
  } catch {
    return undefined;
  }
  const key = relationKey(body?.relation);
  if (!body || !key) return undefined;
  const table = relationText(sql, key) ?? (key.startsWith('public.') ? key.slice('public.'.length) : key);
  const all = tokens(sql);
  const at = topLevel(all);
  const setAt = at.findIndex((t) => t.keyword && t.upper === 'SET');
  if (setAt < 0) return { table, set: undefined };
  const ends = (t: Token, i: number) => t.keyword && (t.upper === 'WHERE' || t.upper === 'RETURNING' || (t.upper === 'FROM' && at[i - 1]?.upper !== 'DISTINCT'));
  const setEnd = at.findIndex((t, i) => i > setAt && ends(t, i));
  const setRange = { start: at[setAt]!.end, end: setEnd < 0 ? sql.length : at[setEnd]!.start };
  const whereAt = at.findIndex((t) => t.keyword && t.upper === 'WHERE');
  const returningAt = at.findIndex((t) => t.keyword && t.upper === 'RETURNING');
  let whereRange = whereAt < 0 ? undefined : { start: at[whereAt]!.end, end: returningAt > whereAt ? at[returningAt]!.start : sql.length };
  const batch = whereRange && batchCondition(body, key, inRange(all, whereRange));
  if (batch) whereRange = batch.range;
  const alias = body.relation?.alias?.aliasname;
  const aliases = [alias, batch?.alias];
  const setTokens = inRange(all, setRange);
  const whereTokens = whereRange ? inRange(all, whereRange) : [];
  const where = whereRange && withoutQualifier(sql, whereRange, whereTokens, aliases);
  // The engine's UPDATE names the table bare: another table's rows (FROM, WITH) or a variable are out of reach.
  const alone = body.fromClause === undefined && body.withClause === undefined;
  const whereUnknown = where !== undefined && (!alone || namesAny(whereTokens, variables));
  const reachable = alone && !namesAny(setTokens, variables);
  const spec: BackfillText = {
    table,
    set: reachable ? withoutQualifier(sql, setRange, setTokens, aliases) : undefined,
    where: whereUnknown || !where ? undefined : where,
    whereUnknown,
  };
  if (whereTokens[0]?.upper === 'CURRENT' && whereTokens[1]?.upper === 'OF') return { table, set: spec.set, whereUnknown: true };
  // What the engine will parse: one UPDATE, as its own check does; else the user writes it.
  if (spec.set !== undefined && !parsesAsOneUpdate(`UPDATE ${table} SET ${spec.set}${spec.where ? ` WHERE ${spec.where}` : ''}`)) return { table, set: undefined, whereUnknown: spec.where !== undefined || spec.whereUnknown };
  return spec;
}

/** Tokens at parenthesis depth 0, with offsets into the statement. */
function topLevel(all: readonly Token[]): Token[] {
  const out: Token[] = [];
  let depth = 0;
  for (const t of all) {
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    else if (depth === 0) out.push(t);
  }
  return out;
}

/**
 * `WHERE id IN (SELECT id FROM t WHERE cond LIMIT n)` or `WHERE ctid = ANY (ARRAY(SELECT ctid
 * FROM t WHERE cond LIMIT n))`, where t is the updated table: the text of `cond` (empty when the
 * subquery has no WHERE) and the alias the subquery gives t. Undefined for any other condition.
 */
function batchCondition(body: UpdateStmt, key: string, whereTokens: readonly Token[]): { range: Range | undefined; alias: string | undefined } | undefined {
  const where = body.whereClause;
  const any = bodyOf(where, 'A_Expr');
  const link = bodyOf(where, 'SubLink') ?? (any?.kind === 'AEXPR_OP_ANY' ? bodyOf(any.rexpr as Node | undefined, 'SubLink') : undefined);
  if (!link || (link.subLinkType !== 'ANY_SUBLINK' && link.subLinkType !== 'ARRAY_SUBLINK')) return undefined;
  const select: SelectStmt | undefined = bodyOf(link.subselect, 'SelectStmt');
  const from = list(select?.fromClause);
  const range = bodyOf(from[0], 'RangeVar');
  if (!select || select.limitCount === undefined || from.length !== 1 || relationKey(range) !== key) return undefined;
  // The subquery's own WHERE: after its SELECT, at its depth, up to its ORDER BY / LIMIT / FOR / closing parenthesis.
  let depth = 0;
  let selectDepth: number | undefined;
  let start: number | undefined;
  let end: number | undefined;
  for (const t of whereTokens) {
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') {
      if (start !== undefined && depth === selectDepth) {
        end = t.start;
        break;
      }
      depth--;
    } else if (selectDepth === undefined && t.keyword && t.upper === 'SELECT') selectDepth = depth;
    else if (start === undefined && depth === selectDepth && t.keyword && t.upper === 'WHERE') {
      start = t.end;
      continue;
    } else if (start !== undefined && depth === selectDepth && t.keyword && ['ORDER', 'LIMIT', 'OFFSET', 'FETCH', 'FOR', 'GROUP'].includes(t.upper)) {
      end = t.start;
      break;
    }
  }
  if (select.whereClause === undefined) return { range: undefined, alias: range?.alias?.aliasname };
  if (start === undefined || end === undefined) return undefined;
  return { range: { start, end }, alias: range?.alias?.aliasname };
}

/** Whether the tokens name one of `names` (a PL/pgSQL variable) as a bare identifier, not after a dot. */
function namesAny(list: readonly Token[], names: readonly string[]): boolean {
  if (names.length === 0) return false;
  return list.some((t, i) => !t.text.startsWith('"') && names.includes(t.text.toLowerCase()) && list[i - 1]?.text !== '.' && list[i + 1]?.text !== '(');
}

interface Range {
  start: number;
  end: number;
}

function inRange(all: readonly Token[], range: Range): Token[] {
  return all.filter((t) => t.start >= range.start && t.end <= range.end);
}

/** The text of `range` in `sql`, trimmed, with `alias.` removed before column names. */
function withoutQualifier(sql: string, range: Range, list: readonly Token[], aliases: readonly (string | undefined)[]): string {
  const names = aliases.filter((a): a is string => a !== undefined);
  let out = sql.slice(range.start, range.end);
  for (let i = list.length - 2; i >= 0 && names.length > 0; i--) {
    const t = list[i]!;
    const value = t.text.startsWith('"') ? t.text.slice(1, -1).replace(/""/g, '"') : t.text.toLowerCase();
    if (names.includes(value) && list[i + 1]!.text === '.' && list[i - 1]?.text !== '.') {
      out = `${out.slice(0, t.start - range.start)}${out.slice(list[i + 1]!.end - range.start)}`;
    }
  }
  return out.trim();
}

/** `text` with `"name"` written `name` wherever PostgreSQL reads the statement `wrap(text)` the same without the quotes. */
function plainNames(text: string, wrap: (text: string) => string): string {
  if (!text.includes('"')) return text;
  let scanned: readonly Token[];
  try {
    scanned = tokens(text);
  } catch {
    return text;
  }
  let out = text;
  for (const t of [...scanned].reverse()) {
    if (!t.text.startsWith('"')) continue;
    const name = t.text.slice(1, -1).replace(/""/g, '"');
    if (ident(name) === name) out = `${out.slice(0, t.start)}${name}${out.slice(t.end)}`;
  }
  // A placeholder of the help (`<value>`) reads as a value here.
  const parsed = (t: string) => wrap(t.replace(/<[a-z ]+>/g, 'NULL'));
  return out !== text && sameTree(parsed(out), parsed(text)) ? out : text;
}

const POSITIONS = new Set(['location', 'stmt_location', 'stmt_len']);
const withoutPositions = (key: string, value: unknown): unknown => (POSITIONS.has(key) ? undefined : value);

function sameTree(a: string, b: string): boolean {
  try {
    return JSON.stringify(parseEntries(a), withoutPositions) === JSON.stringify(parseEntries(b), withoutPositions);
  } catch {
    return false;
  }
}

function parsesAsOneUpdate(sql: string): boolean {
  try {
    const entries = parseEntries(sql);
    return entries.length === 1 && bodyOf(entries[0]!.stmt, 'UpdateStmt') !== undefined;
  } catch {
    return false;
  }
}

/** One argument for a POSIX shell: bare when it is plain words, else in double quotes (single quotes when it holds `"` and no `'`). */
export function shellWord(text: string): string {
  if (/^[A-Za-z0-9_.]+$/.test(text)) return text;
  if (/["$`\\]/.test(text) && !text.includes("'")) return `'${text}'`;
  return `"${text.replace(/["$`\\]/g, '\\$&')}"`;
}
