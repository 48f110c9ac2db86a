import { bodyOf, list, qualified, relationKey, relationOf, stringValue, walk, type AlterTableCmd, type ColumnDef, type Constraint, type Node, type RangeVar } from '../../sql/ast.js';
import { makeObjectName } from '../../sql/index-name.js';
import { ident, insertAfter, statementSql, tokens as sqlTokens } from '../rewrite.js';
import type { LintStatement, RuleContext } from '../types.js';
import { alterCommands as bodyCommands } from './rewrites-helpers.js';

/** Where a recipe sends a step that must commit separately: `${LATER_MIGRATION}: ...` starts a step. */
export const LATER_MIGRATION = 'In a later migration (`pnpm db:generate --custom`)';

/** The same, inside a sentence. */
export const IN_A_LATER_MIGRATION = 'in a later migration (`pnpm db:generate --custom`)';

/**
 * The `AlterTableCmd` bodies of an ALTER TABLE statement; empty for anything else, including ALTER
 * FOREIGN TABLE (PostgreSQL neither scans nor indexes a foreign table's remote rows).
 */
export function alterCommands(statement: LintStatement): readonly AlterTableCmd[] {
  if (statement.kind !== 'AlterTableStmt' || statement.body.objtype !== 'OBJECT_TABLE') return NONE;
  return bodyCommands(statement.body);
}

const NONE: readonly AlterTableCmd[] = [];

/** The `Constraint` body an `ADD CONSTRAINT` command adds, if it is one. */
export function addedConstraint(cmd: AlterTableCmd): Constraint | undefined {
  return cmd.subtype === 'AT_AddConstraint' ? bodyOf(cmd.def, 'Constraint') : undefined;
}

/**
 * The `Constraint` bodies a command adds: the one of `ADD CONSTRAINT`, or the column constraints
 * of `ADD COLUMN` (`ADD COLUMN x int CHECK (...)` checks the existing rows just the same).
 */
export function addedConstraints(cmd: AlterTableCmd): { constraint: Constraint; column: ColumnDef | undefined }[] {
  const constraint = addedConstraint(cmd);
  if (constraint) return [{ constraint, column: undefined }];
  const column = cmd.subtype === 'AT_AddColumn' ? bodyOf(cmd.def, 'ColumnDef') : undefined;
  return list(column?.constraints).flatMap((c) => {
    const inline = bodyOf(c, 'Constraint');
    return inline ? [{ constraint: inline, column }] : [];
  });
}

/** `[{ String: { sval } }]` -> `['a', 'b']`. */
export function names(items: readonly Node[] | undefined): string[] {
  return list(items).map((i) => stringValue(i) ?? '?');
}

/** The table's own name, without its schema: the base PostgreSQL builds constraint names from. */
export function bareName(rel: RangeVar | undefined): string {
  return rel?.relname ?? '?';
}

/**
 * The name PostgreSQL gives a constraint the statement does not name (ChooseConstraintName in
 * pg_constraint.c): `users_email_check`, `posts_user_id_fkey`, `users_email_key`, `users_pkey`,
 * `users_email_not_null`, cut to 63 characters the way makeObjectName cuts them.
 */
export function constraintName(constraint: Constraint, table: string): { name: string; named: boolean } {
  if (typeof constraint.conname === 'string') return { name: constraint.conname, named: true };
  let columns: string[] = [];
  let label = 'check';
  switch (constraint.contype) {
    case 'CONSTR_CHECK': {
      // One column when the expression uses exactly one (AddRelationNewConstraints), else none.
      const used = checkColumns(constraint.raw_expr);
      columns = used.length === 1 ? used : [];
      break;
    }
    case 'CONSTR_FOREIGN':
      columns = names(constraint.fk_attrs);
      label = 'fkey';
      break;
    case 'CONSTR_UNIQUE':
      columns = names(constraint.keys);
      label = 'key';
      break;
    case 'CONSTR_PRIMARY':
      label = 'pkey';
      break;
    case 'CONSTR_EXCLUSION':
      columns = list(constraint.exclusions).map((e) => bodyOf(list(bodyOf(e, 'List')?.items)[0], 'IndexElem')?.name ?? 'expr');
      label = 'excl';
      break;
    case 'CONSTR_NOTNULL':
      columns = names(constraint.keys);
      label = 'not_null';
      break;
    default:
      break;
  }
  return { name: objectName(table, columns.join('_'), label), named: false };
}

/** makeObjectName (indexcmds.c): `name1_name2_label`, trimming the longer part until it fits 63 bytes. */
export const objectName = makeObjectName;

/** The distinct columns an expression reads. */
function checkColumns(expr: Node | undefined): string[] {
  const out = new Set<string>();
  walk(expr, (obj) => {
    const last = stringValue(list(obj.ColumnRef?.fields).at(-1));
    if (typeof last === 'string') out.add(last);
  });
  return [...out];
}

/**
 * Step 1 and 2 of "add it NOT VALID, validate it later", rebuilt from the user's statement: the
 * statement with NOT VALID (and a name, when it has none: VALIDATE CONSTRAINT needs one), then
 * VALIDATE CONSTRAINT in a later migration, which takes only SHARE UPDATE EXCLUSIVE.
 */
export function notValidSteps(statement: LintStatement, constraint: Constraint): string[] {
  const table = tableOf(statement);
  const { name, named } = constraintName(constraint, bareName(relationOf(statement)));
  const where = statement.embeddedIn ? ' (in place of the statement inside the DO block)' : '';
  let first: string;
  if (alterCommands(statement).length !== 1) {
    first = `Add \`NOT VALID\` right after this constraint's definition in the statement${named ? '' : `, and name it: \`ADD CONSTRAINT ${ident(name)} ...\``}${where}.`;
  } else {
    const sql = named ? statement.sql : insertAfter(statement.sql, ['ADD'], `CONSTRAINT ${ident(name)}`);
    first = sql
      ? `\`${statementSql(`${sql} NOT VALID`)}\`${where}${named ? '' : ' (named, so that a later migration can validate it)'}`
      : `Add \`NOT VALID\` at the end of the statement${named ? '' : ` and name the constraint (\`ADD CONSTRAINT ${ident(name)} ...\`)`}${where}.`;
  }
  return [
    `1. ${first}`,
    `2. ${LATER_MIGRATION}: \`${validateSql(table.sql, name)}\` (reads every row under SHARE UPDATE EXCLUSIVE; reads and writes continue)`,
  ];
}

/** `ALTER TABLE t VALIDATE CONSTRAINT c;` for the statement's table. */
export function validateSql(table: string, name: string): string {
  return `ALTER TABLE ${table} VALIDATE CONSTRAINT ${ident(name)};`;
}

/**
 * The commands and table of an ALTER TABLE that adds a constraint or a column to a table that
 * existed before this file (a table created earlier in the file is empty: nothing to check or
 * build); undefined for anything else. The common start of the constraint rules.
 */
export function addingToExistingTable(
  statement: LintStatement,
  isNewTable: (key: string | undefined) => boolean,
): { commands: readonly AlterTableCmd[]; table: ReturnType<typeof tableOf> } | undefined {
  const commands = alterCommands(statement);
  if (!commands.some((cmd) => cmd.subtype === 'AT_AddConstraint' || cmd.subtype === 'AT_AddColumn')) return undefined;
  const table = tableOf(statement);
  return isNewTable(table.key) ? undefined : { commands, table };
}

/** The table of an ALTER TABLE as SQL, as the user wrote it (`"auth"."users"` -> `auth.users`). */
export function tableOf(statement: LintStatement): { key: string | undefined; shown: string; sql: string } {
  const rel = relationOf(statement);
  return { key: relationKey(rel), shown: qualified(rel), sql: relationSql(rel) };
}

/** A RangeVar as SQL, schema kept when written. */
export function relationSql(rel: RangeVar | undefined): string {
  if (!rel?.relname) return '?';
  return rel.schemaname ? `${ident(rel.schemaname)}.${ident(rel.relname)}` : ident(rel.relname);
}

/**
 * How to get a statement that cannot run in a transaction block out of one: a DO block is a
 * single statement run inside a transaction; an explicit BEGIN ... COMMIT is one too.
 */
export function outOfTransactionBlock(statement: LintStatement): string {
  return statement.embeddedIn
    ? 'take it out of the DO block and write it as a statement of its own'
    : 'remove the surrounding BEGIN/COMMIT';
}

/**
 * Whether an index (by name, as DROP INDEX / REINDEX INDEX write it) was created earlier in this
 * file on a table also created earlier in this file: both are new and empty.
 */
export function indexOnNewTable(context: RuleContext, index: string): boolean {
  const [schema, name] = index.includes('.') ? index.split('.') : [undefined, index];
  return context.statements.slice(0, context.statements.indexOf(context.statement)).some((s) => {
    if (s.kind !== 'IndexStmt' || s.body.idxname !== name) return false;
    const rel = s.body.relation;
    if (schema !== undefined && (rel?.schemaname ?? 'public') !== schema) return false;
    return context.isNewTable(relationKey(rel));
  });
}

/**
 * The parenthesised parts of a partition bound as the user wrote them:
 * `FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')` -> `{ FROM: "'2024-01-01'", TO: "'2025-01-01'" }`,
 * `FOR VALUES IN (1, 2)` -> `{ IN: '1, 2' }`; `text` is everything from FOR VALUES on.
 */
export function boundClauses(sql: string): { text: string | undefined; parts: Record<string, string> } {
  const tokens = sqlTokens(sql);
  const at = tokens.findIndex((t, i) => t.keyword && t.upper === 'FOR' && tokens[i + 1]?.keyword && tokens[i + 1]?.upper === 'VALUES');
  const parts: Record<string, string> = {};
  if (at < 0) return { text: undefined, parts };
  let depth = 0;
  let label = '';
  let open = 0;
  for (const token of tokens.slice(at + 2)) {
    if (token.upper === '(') {
      if (depth++ === 0) open = token.end;
    } else if (token.upper === ')') {
      if (--depth === 0 && label) parts[label] = sql.slice(open, token.start).trim();
    } else if (depth === 0 && token.keyword) {
      label = token.upper;
    }
  }
  return { text: sql.slice(tokens[at]!.start).trim(), parts };
}
