import {
  bodyOf,
  list,
  nameList,
  relationKey,
  relationOf,
  unwrap,
  unwrapStatement,
  type AlterTableCmd,
  type AlterTableStmt,
  type ColumnDef,
  type Constraint,
  type Node,
  type NodeBody,
  type NodeKind,
  type RangeVar,
  type UnwrappedStatement,
} from '../../sql/ast.js';
import { SourceText } from '../../sql/source-text.js';
import { parseEntries, statementStart } from '../../sql/spans.js';
import type { ColumnType } from '../knowledge.js';
import { ident, tableSql, tokens, type Token } from '../rewrite.js';
import { BACKFILL_HOW, backfillCommand } from './backfill-helpers.js';
import type { LintStatement, LintStatementOf, RuleContext } from '../types.js';

/**
 * Shared by the rules about statements that rewrite or copy a whole relation (changing-column-type,
 * adding-volatile-default, adding-serial-column, adding-stored-generated-column, vacuum-full...):
 * the user's own SQL cut into pieces for the safe recipe, friendly type names, and what earlier
 * statements of the file did.
 */

/**
 * A statement with positions counted from the start of its own text, `statement.sql` (the
 * engine's tree carries offsets into the file, or into a DO block's body): `at()` and `position()`
 * read a node's `location` as a parse of `sql` alone has it. The tree is the engine's when the
 * caller passes it (its positions moved by sql/spans.ts statementStart), else `sql` parsed again.
 * Read the locations of its nodes through `at()` or `position()` only.
 */
export class OwnStatement {
  private readonly source: SourceText;

  private constructor(
    readonly sql: string,
    private readonly node: Node,
    /** The statement's kind and body in this tree. */
    readonly parts: UnwrappedStatement,
    /** Where `sql` starts in the text `node` was parsed from, in UTF-8 bytes. */
    private readonly start: number,
  ) {
    this.source = new SourceText(sql);
  }

  /** The statement's body when it is of the given kind (it is the engine's statement's kind). */
  bodyOf<K extends NodeKind>(kind: K): NodeBody<K> | undefined {
    return bodyOf(this.node, kind);
  }

  /** The statement's `relation` (ALTER TABLE, CLUSTER, VACUUM's...) in this tree, whose locations count from the start of `sql`. */
  get rangeVar(): RangeVar | undefined {
    return relationOf(this.parts);
  }

  /** The statement's tokens without comments (rewrite.ts's shared scan, made on first use). */
  get tokens(): readonly Token[] {
    return tokens(this.sql);
  }

  /** The last statement read: the rules run one after the other on the same statement, so they share one. */
  private static last: { sql: string; node: Node | undefined; own: OwnStatement | undefined } | undefined;

  /**
   * `sql` (one statement) with its tree; undefined when it does not parse on its own. `node`, the
   * engine's tree of the same statement (`statement.node` with `statement.sql`), spares a parse.
   */
  static of(sql: string, node?: Node): OwnStatement | undefined {
    const last = OwnStatement.last;
    if (last?.sql === sql && last.node === node) return last.own;
    const own = OwnStatement.read(sql, node);
    OwnStatement.last = { sql, node, own };
    return own;
  }

  private static read(sql: string, node: Node | undefined): OwnStatement | undefined {
    const start = node && statementStart(node);
    if (node && start !== undefined) return new OwnStatement(sql, node, unwrapStatement(node), start);
    try {
      const parsed = parseEntries(sql)[0]?.stmt;
      return parsed ? new OwnStatement(sql, parsed, unwrapStatement(parsed), 0) : undefined;
    } catch {
      // Text the engine took from a DO block or an EXECUTE literal may not stand alone; the rules
      // then fall back to help built from the engine's tree, without the user's spelling.
      return undefined;
    }
  }

  /**
   * A node's `location` as a parse of `sql` alone has it: a UTF-8 byte offset into `sql`, -1 when
   * unknown, and undefined where that parse leaves it out (absent, or 0: the statement's first token).
   */
  position(location: number | undefined): number | undefined {
    if (location === undefined || location < 0) return location;
    return location === this.start ? undefined : location - this.start;
  }

  /** String offset of a node's `location` in `sql`, undefined when absent (or 0, see `position`). */
  at(location: number | undefined): number | undefined {
    const position = this.position(location);
    return position !== undefined && position >= 0 ? this.source.charFromByte(position) : undefined;
  }

  /** Index of the first token starting at or after `offset`. */
  private tokenAt(offset: number): number {
    const i = this.tokens.findIndex((t) => t.start >= offset);
    return i < 0 ? this.tokens.length : i;
  }

  /**
   * The end offset of the clause that starts at `start`: the first token is always in it; it
   * stops before a `,` or `;` outside parentheses, before one of `stopWords` outside parentheses,
   * or at `limit`.
   */
  clauseEnd(start: number, stopWords: readonly string[] = [], limit = this.sql.length): number {
    let depth = 0;
    let end = start;
    for (let i = this.tokenAt(start); i < this.tokens.length; i++) {
      const t = this.tokens[i]!;
      if (t.start >= limit) break;
      if (end !== start && depth === 0 && (t.text === ',' || t.text === ';' || (t.keyword && stopWords.includes(t.upper)))) break;
      if (t.text === '(' || t.text === '[') depth++;
      if (t.text === ')' || t.text === ']') {
        if (depth === 0) break; // the clause sits inside parentheses that close here
        depth--;
      }
      end = t.end;
    }
    return end;
  }

  /** Start offset of the first token after `offset` that is the keyword `word`, outside parentheses. */
  keywordAfter(offset: number, word: string, limit = this.sql.length): number | undefined {
    let depth = 0;
    for (let i = this.tokenAt(offset); i < this.tokens.length; i++) {
      const t = this.tokens[i]!;
      if (t.start >= limit) return undefined;
      if (t.text === '(' || t.text === '[') depth++;
      else if (t.text === ')' || t.text === ']') depth--;
      else if (depth === 0 && t.keyword && t.upper === word) return t.start;
    }
    return undefined;
  }

  /** Start offset of the token after the one that starts at `offset`. */
  nextToken(offset: number): number | undefined {
    return this.tokens[this.tokenAt(offset) + 1]?.start;
  }

  /** The balanced `( ... )` group that starts at the first `(` at or after `offset`, as written. */
  parenthesized(offset: number): string | undefined {
    let depth = 0;
    let from: number | undefined;
    for (let i = this.tokenAt(offset); i < this.tokens.length; i++) {
      const t = this.tokens[i]!;
      if (t.text === '(') {
        if (depth === 0) from = t.start;
        depth++;
      } else if (t.text === ')' && from !== undefined && --depth === 0) {
        return this.sql.slice(from, t.end);
      }
    }
    return undefined;
  }

  /**
   * A relation name as the statement spells it (`"auth"."users"`), from the location of a RangeVar
   * of `this.body` (a location from another tree, such as the engine's, which counts from the start
   * of the file, points elsewhere); undefined when the location is missing or the name found there
   * is not the RangeVar's.
   */
  relation(rangeVar: RangeVar | undefined): string | undefined {
    const start = this.at(rangeVar?.location);
    if (start === undefined) return undefined;
    let i = this.tokenAt(start);
    if (this.tokens[i]?.start !== start) return undefined;
    let end = this.tokens[i]?.end;
    while (this.tokens[i + 1]?.text === '.' && this.tokens[i + 2]) {
      i += 2;
      end = this.tokens[i]!.end;
    }
    const last = this.tokens[i];
    const name = last?.text.startsWith('"') ? last.text.slice(1, -1).replace(/""/g, '"') : last?.text.toLowerCase();
    if (end === undefined || name !== rangeVar?.relname) return undefined;
    return this.sql.slice(start, end);
  }

  /** The statement with the character spans removed, each with the blank in front of it. */
  without(spans: readonly { start: number; end: number }[]): string {
    let out = this.sql;
    for (const span of [...spans].sort((a, b) => b.start - a.start)) {
      let from = span.start;
      while (from > 0 && /\s/.test(out[from - 1]!)) from--;
      out = `${out.slice(0, from)}${out.slice(span.end)}`;
    }
    return out;
  }

  /**
   * The span of each column constraint of an `ADD COLUMN` ColumnDef, from its first word
   * (`CONSTRAINT name` or the constraint keyword) to the start of the next one.
   */
  constraintSpans(def: ColumnDef): { constraint: Constraint; start: number; end: number }[] {
    const starts = list(def.constraints)
      .map((c) => bodyOf(c, 'Constraint'))
      .filter((c): c is Constraint => c !== undefined)
      .map((constraint) => ({ constraint, start: this.at(constraint.location) }))
      .filter((c): c is { constraint: Constraint; start: number } => c.start !== undefined);
    const collate = this.at(def.collClause?.location);
    return starts.map(({ constraint, start }, i) => {
      const bounds = [starts[i + 1]?.start, collate !== undefined && collate > start ? collate : undefined].filter((b): b is number => b !== undefined);
      return { constraint, start, end: this.clauseEnd(start, [], Math.min(this.sql.length, ...bounds)) };
    });
  }
}

/**
 * The table as the user wrote it, and a column named in the same style: drizzle-kit quotes every
 * identifier, so a recipe for `"auth"."users"` quotes its columns too.
 */
export function sqlNames(own: OwnStatement | undefined, rangeVar: RangeVar | undefined): { table: string; column(name: string): string; sibling(suffix: string): string } {
  const written = own?.relation(rangeVar);
  const table = written ?? tableSql(relationKey(rangeVar));
  const quoted = written?.includes('"') ?? false;
  const column = (name: string) => (quoted ? `"${name.replace(/"/g, '""')}"` : ident(name));
  const sibling = (suffix: string) => `${rangeVar?.schemaname ? `${column(rangeVar.schemaname)}.` : ''}${column(`${rangeVar?.relname ?? '?'}${suffix}`)}`;
  return { table, column, sibling };
}

/** The AlterTableCmd bodies of an ALTER TABLE, with their position among the statement's commands; none for anything else. */
export function alterCommands(body: AlterTableStmt | undefined): readonly AlterTableCmd[] {
  if (!body) return NO_COMMANDS;
  let commands = COMMANDS.get(body);
  if (!commands) {
    commands = list(body.cmds).map((c) => bodyOf(c, 'AlterTableCmd')).filter((c): c is AlterTableCmd => c !== undefined);
    COMMANDS.set(body, commands);
  }
  return commands;
}

const NO_COMMANDS: readonly AlterTableCmd[] = [];

/** alterCommands of each statement body: several rules ask for the same statement's. */
const COMMANDS = new WeakMap<AlterTableStmt, readonly AlterTableCmd[]>();

/** Whether the ALTER statement targets a plain (or partitioned) table, which has storage to rewrite. */
export function altersTable(statement: LintStatement): statement is LintStatementOf<'AlterTableStmt'> {
  return statement.kind === 'AlterTableStmt' && statement.body.objtype === 'OBJECT_TABLE';
}

/** Names as application developers write them: `bigint`, not PostgreSQL's internal `int8`. */
const FRIENDLY_TYPES: Record<string, string> = {
  int2: 'smallint', int4: 'integer', int8: 'bigint', float4: 'real', float8: 'double precision', bool: 'boolean',
  bpchar: 'char',
};

/** `varchar(50)`, `bigint`, `text[]`. */
export function typeLabel(type: ColumnType): string {
  return `${FRIENDLY_TYPES[type.name] ?? type.name}${type.typmods.length ? `(${type.typmods.join(',')})` : ''}${type.array ? '[]' : ''}`;
}

/**
 * The backfill step of a recipe: the backfill engine, out of the migrations (a migration runs
 * once, in one transaction), once the steps before it are applied.
 */
export function backfillStep(table: string, assignment: string, pending: string): string {
  return `Once that is applied, backfill the existing rows: \`${backfillCommand({ table, set: assignment, where: pending })}\` (${BACKFILL_HOW}).`;
}

/** `1. ...\n2. ...` */
export function numbered(steps: readonly string[]): string {
  return steps.map((s, i) => `${i + 1}. ${s}`).join('\n');
}

/** The statements of the file before the current one (DO-block statements included, in order). */
export function earlierStatements(context: RuleContext): readonly LintStatement[] {
  return context.statements.slice(0, context.statement.position);
}

/** relationKey-style key (`schema.name`, `public` when unqualified) of a name list such as a domain's. */
export function nameKey(names: readonly Node[] | undefined): string {
  const name = nameList(names);
  return name.includes('.') ? name : `public.${name}`;
}

/** Whether an earlier statement of this file created the domain `key`: no column of an existing table can use it yet. */
export function domainCreatedInFile(context: RuleContext, key: string): boolean {
  return earlierStatements(context).some((s) => s.kind === 'CreateDomainStmt' && nameKey(s.body.domainname) === key);
}

/**
 * Whether an earlier statement of this file created the index `key` (`schema.name`) on a table
 * created in this file too: it is empty, so moving it costs nothing.
 */
export function indexOnNewTable(context: RuleContext, key: string | undefined): boolean {
  if (!key) return false;
  return earlierStatements(context).some((s) => {
    if (s.kind !== 'IndexStmt' || typeof s.body.idxname !== 'string') return false;
    const table = relationKey(s.body.relation);
    return `${table?.split('.')[0]}.${s.body.idxname}` === key && context.isNewTable(table);
  });
}

/** Zone names whose UTC offset is always zero (pg_get_timezone_offset succeeds with 0). */
const UTC_ZONES = new Set([
  'utc', 'etc/utc', 'uct', 'etc/uct', 'gmt', 'etc/gmt', 'gmt0', 'etc/gmt0', 'gmt+0', 'etc/gmt+0', 'gmt-0', 'etc/gmt-0',
  'greenwich', 'etc/greenwich', 'universal', 'etc/universal', 'zulu', 'etc/zulu', 'z', '0', '+0', '-0', '+00', '+00:00', '00:00',
]);

/**
 * Whether the session TimeZone is known to be UTC when the current statement runs: a `SET
 * TimeZone` earlier in the file (session-wide), or a `SET LOCAL TimeZone` in the same transaction,
 * that is not undone before it. Undefined when the file does not set it (the server's setting applies).
 */
export function sessionTimeZoneIsUtc(context: RuleContext): boolean | undefined {
  let utc: boolean | undefined;
  for (const s of earlierStatements(context)) {
    if (s.kind !== 'VariableSetStmt' || s.body.name !== 'timezone') continue;
    if (s.body.is_local === true && s.transaction !== context.statement.transaction) continue;
    if (s.body.kind !== 'VAR_SET_VALUE') {
      utc = undefined;
      continue;
    }
    const arg = unwrap(list(s.body.args)[0]);
    const constant = arg?.kind === 'TypeCast' ? bodyOf(arg.body.arg, 'A_Const') : arg?.kind === 'A_Const' ? arg.body : undefined;
    const value = constant?.sval?.sval;
    const number = constant?.ival;
    utc = value !== undefined ? UTC_ZONES.has(value.toLowerCase()) : number !== undefined ? (number.ival ?? 0) === 0 : false;
  }
  return utc;
}

/**
 * The NOT NULL steps of a recipe: a CHECK added NOT VALID (instant), validated without blocking
 * writes, then SET NOT NULL, which PostgreSQL 12+ proves from the validated CHECK instead of
 * scanning under ACCESS EXCLUSIVE.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-DROP-NOT-NULL
 */
export function notNullSteps(pgVersion: number, table: string, column: string, columnName: string): string[] {
  const check = column.startsWith('"') ? `"${columnName.replace(/"/g, '""')}_not_null"` : ident(`${columnName}_not_null`);
  const add = `\`ALTER TABLE ${table} ADD CONSTRAINT ${check} CHECK (${column} IS NOT NULL) NOT VALID;\``;
  const validate = `\`ALTER TABLE ${table} VALIDATE CONSTRAINT ${check};\``;
  if (pgVersion < 12) {
    return [`Once the backfill is done, enforce NOT NULL without a long lock in a later migration (\`pnpm db:generate --custom\`): ${add}, then ${validate} (SET NOT NULL itself scans the table under ACCESS EXCLUSIVE before PostgreSQL 12).`];
  }
  return [
    `Once the backfill is done, make it NOT NULL without a long lock in a later migration (\`pnpm db:generate --custom\`): ${add}, then ${validate}, ` +
      `then \`ALTER TABLE ${table} ALTER COLUMN ${column} SET NOT NULL;\` (it uses the validated CHECK instead of scanning) and \`ALTER TABLE ${table} DROP CONSTRAINT ${check};\`.`,
  ];
}

/**
 * The key step of a recipe: a unique index built without blocking writes, then attached as the
 * PRIMARY KEY or UNIQUE constraint (a catalog change once the index exists).
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT-USING-INDEX
 */
export function uniqueIndexStep(names: ReturnType<typeof sqlNames>, tableName: string, column: string, columnName: string, primary: boolean): string {
  const index = names.column(primary ? `${tableName}_pkey` : `${tableName}_${columnName}_key`);
  return (
    `Build its unique index without blocking writes: \`CREATE UNIQUE INDEX CONCURRENTLY ${index} ON ${names.table} (${column});\`, ` +
    `then \`ALTER TABLE ${names.table} ADD CONSTRAINT ${index} ${primary ? 'PRIMARY KEY' : 'UNIQUE'} USING INDEX ${index};\`.`
  );
}
