import { bodyOf, qualified, relationKey, type Node } from '../../sql/ast.js';
import { columnType, typeChangeKeepsRows, type ColumnType } from '../knowledge.js';
import { describeLock } from '../locks.js';
import type { Finding, LintRule, RuleContext } from '../types.js';
import { alterCommands, altersTable, backfillStep, numbered, OwnStatement, sessionTimeZoneIsUtc, sqlNames, typeLabel } from './rewrites-helpers.js';

/**
 * ALTER COLUMN ... TYPE rewrites the table and rebuilds its indexes under an ACCESS EXCLUSIVE
 * lock, unless the old values are valid as they are (binary-coercible types, a typmod that only
 * widens). A USING clause computes every row again. Between timestamp and timestamptz PostgreSQL
 * 12+ skips the rewrite when the session TimeZone is UTC (ATColumnChangeRequiresRewrite).
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
 */
export const changingColumnType = {
  id: 'changing-column-type',
  severity: 'error',
  title: 'Changing a column type in a way that rewrites the table',
  check(context) {
    const { statement } = context;
    if (!altersTable(statement)) return undefined;
    const table = relationKey(statement.body.relation);
    if (context.isNewTable(table)) return undefined;
    const own = OwnStatement.of(statement.sql);
    const ownCommands = own ? alterCommands(own.body) : [];
    const findings: Finding[] = [];
    alterCommands(statement.body).forEach((cmd, i) => {
      if (cmd.subtype !== 'AT_AlterColumnType' || typeof cmd.name !== 'string') return;
      const to = columnType(bodyOf(cmd.def, 'ColumnDef')?.typeName);
      if (!to) return;
      const finding = typeChange(context, cmd, to, own, ownCommands[i]);
      if (finding) findings.push(finding);
    });
    return findings;
  },
} satisfies LintRule;

function typeChange(context: RuleContext, cmd: Node, to: ColumnType, own: OwnStatement | undefined, ownCmd: Node | undefined): Finding | undefined {
  const relation = context.statement.body.relation;
  const name = qualified(relation);
  const column = String(cmd.name);
  const from = context.knowledge.columnType(relationKey(relation), column);
  const using = bodyOf(cmd.def, 'ColumnDef')?.raw_default !== undefined;
  const keeps = using ? false : typeChangeKeepsRows(from, to);
  if (keeps === true) return undefined;

  const lock = `${describeLock('ACCESS EXCLUSIVE', name)} until the rewrite and the index rebuilds end`;
  const help = `Instead, change the type in steps (expand/contract):\n${recipe(own, ownCmd, relation, column, to)}`;
  const where = `${name}.${column}`;
  const consequence = `every query on ${name} waits until the rewrite ends, which takes minutes on a big table`;

  if (from && !using && timestampZoneChangeSkipsRewrite(from, to) && context.pgVersion >= 12) {
    const utc = sessionTimeZoneIsUtc(context);
    if (utc === true) return undefined;
    if (utc === undefined) {
      return {
        severity: 'warning',
        message:
          `Changing ${where} from ${typeLabel(from)} to ${typeLabel(to)} rewrites the whole table unless the session TimeZone is UTC (then PostgreSQL 12+ keeps the rows as they are); ` +
          `this migration does not set the time zone, so it depends on the server's setting. During a rewrite ${consequence}.`,
        lock: `${describeLock('ACCESS EXCLUSIVE', name)}, held for the whole rewrite if one happens`,
        help:
          `If the stored values are UTC times, put \`SET LOCAL TimeZone = 'UTC';\` before this statement in the same migration: the change then only touches the catalog. ` +
          `If they are local times of another zone, the rewrite is what converts them: change the type in steps instead (add a ${typeLabel(to)} column, keep it in sync with a trigger, ` +
          'backfill it in batches, switch the app, drop the old column in a contract migration).',
      };
    }
  }

  if (using) {
    return {
      message: `Changing ${where} to ${typeLabel(to)} with a USING clause computes every row again: PostgreSQL rewrites the whole table and rebuilds its indexes, and ${consequence}.`,
      lock,
      help,
    };
  }
  if (!from) {
    return {
      message:
        `Changing ${where} to ${typeLabel(to)} rewrites the whole table and rebuilds its indexes while every query on ${name} waits, unless the change keeps the rows (such as varchar to text, or a longer varchar). ` +
        `The current type of ${column} is unknown here, so a rewrite is assumed: lint the whole migrations folder (\`pnpm sdk db lint packages/db-config/migrations\`) or run \`pnpm sdk db plan\` against the database to know.`,
      lock,
      help,
    };
  }
  return {
    message: `Changing ${where} from ${typeLabel(from)} to ${typeLabel(to)} rewrites the whole table and rebuilds its indexes; ${consequence}.`,
    lock,
    help,
  };
}

/**
 * timestamp <-> timestamptz with a typmod that does not shrink: PostgreSQL 12+ relabels the column
 * when the session time zone has a zero UTC offset (TimestampTimestampTzRequiresRewrite).
 */
function timestampZoneChangeSkipsRewrite(from: ColumnType, to: ColumnType): boolean {
  const pair = (from.name === 'timestamp' && to.name === 'timestamptz') || (from.name === 'timestamptz' && to.name === 'timestamp');
  const precision = (t: ColumnType) => t.typmods[0] ?? 6;
  return pair && !from.array && !to.array && precision(to) >= precision(from);
}

/** The expand/contract recipe, with the new type and the conversion as the user wrote them. */
function recipe(own: OwnStatement | undefined, ownCmd: Node | undefined, relation: unknown, column: string, to: ColumnType): string {
  const names = sqlNames(own, relation);
  const { type, conversion } = written(own, ownCmd) ?? {};
  const newType = type ?? typeLabel(to);
  const old = names.column(column);
  const added = names.column(`${column}_new`);
  const value = conversion ?? `${old}::${newType}`;
  const sync = conversion === undefined ? `\`NEW.${added} := NEW.${old}::${newType}\`` : `\`NEW.${added}\` to \`${conversion}\` computed from NEW`;
  return numbered([
    `Add a column of the new type: \`ALTER TABLE ${names.table} ADD COLUMN ${added} ${newType};\``,
    `In the same migration, keep it in sync with a BEFORE INSERT OR UPDATE trigger that sets ${sync} on INSERT when ${added} is not given, and on UPDATE when ${old} changes; apply it with \`pnpm sdk db migrate --phase expand\`.`,
    backfillStep(names.table, `${added} = ${value}`, `${added} IS DISTINCT FROM ${value}`),
    `Switch the application to ${added}: deploy the version that reads and writes it instead of ${old}.`,
    `Drop the trigger and ${old} in a contract migration (\`pnpm db:generate --custom\`), applied by \`pnpm sdk db migrate\` after that deploy.`,
  ]);
}

/** The new type and the USING expression of one ALTER COLUMN ... TYPE, as written. */
function written(own: OwnStatement | undefined, cmd: Node | undefined): { type: string; conversion: string | undefined } | undefined {
  const def = bodyOf(cmd?.def, 'ColumnDef');
  const start = own?.at((def?.typeName as Node | undefined)?.location);
  if (!own || start === undefined) return undefined;
  const type = own.sql.slice(start, own.clauseEnd(start, ['USING', 'COLLATE']));
  const end = own.clauseEnd(start);
  const keyword = def?.raw_default === undefined ? undefined : own.keywordAfter(start, 'USING', end);
  const from = keyword === undefined ? undefined : own.nextToken(keyword);
  return { type, conversion: from === undefined ? undefined : own.sql.slice(from, own.clauseEnd(from, [], end)) };
}
