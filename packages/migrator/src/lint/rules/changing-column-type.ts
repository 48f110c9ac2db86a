import type { ColumnInfo } from '../../operations/catalog.js';
import { changeColumnType, retypedColumn } from '../../operations/change-column-type.js';
import { bodyOf, list, qualified, relationKey, relationOf, stringValue, type AlterTableCmd, type RangeVar } from '../../sql/ast.js';
import { ident, statementSql } from '../rewrite.js';
import { objectName } from './constraints-helpers.js';
import { columnType, timestampZoneChangeSkipsRewriteInUtc, typeChangeKeepsRows, usingIsPlainColumn, type ColumnType } from '../knowledge.js';
import { describeLock } from '../locks.js';
import type { Finding, LintRule, RuleContext } from '../types.js';
import { knownColumn, newCommand, planHelp, tableOfKey } from './operation-helpers.js';
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
  hazard: 'database',
  title: 'Changing a column type in a way that rewrites the table',
  kinds: ['AlterTableStmt'],
  check(context) {
    const { statement } = context;
    if (!altersTable(statement) || !alterCommands(statement.body).some((cmd) => cmd.subtype === 'AT_AlterColumnType')) return undefined;
    const table = relationKey(statement.body.relation);
    if (context.isNewTable(table)) return undefined;
    // Only a statement that rewrites the table, or changes a collation (which rebuilds indexes), can be reported.
    const collation = alterCommands(statement.body).some((cmd) => cmd.subtype === 'AT_AlterColumnType' && bodyOf(cmd.def, 'ColumnDef')?.collClause !== undefined);
    if (!collation && !statement.effects.some((e) => e.rewrite)) return undefined;
    const findings: Finding[] = [];
    alterCommands(statement.body).forEach((cmd, i) => {
      if (cmd.subtype !== 'AT_AlterColumnType' || typeof cmd.name !== 'string') return;
      const to = columnType(bodyOf(cmd.def, 'ColumnDef')?.typeName);
      if (!to) return;
      const finding = typeChange(context, cmd, to, i);
      if (finding) findings.push(finding);
    });
    return findings;
  },
} satisfies LintRule;

function typeChange(context: RuleContext, cmd: AlterTableCmd, to: ColumnType, index: number): Finding | undefined {
  const relation = relationOf(context.statement);
  const name = qualified(relation);
  const column = String(cmd.name);
  const from = context.knowledge.columnType(relationKey(relation), column);
  // `USING col` and `USING col::<new type>` are what PostgreSQL does without a USING clause.
  const using = !usingIsPlainColumn(bodyOf(cmd.def, 'ColumnDef')?.raw_default, column, to);
  const keeps = using ? false : typeChangeKeepsRows(from, to, context.knowledge);
  if (keeps === true) return collationChange(context, cmd);

  const lock = `${describeLock('ACCESS EXCLUSIVE', name)} until the rewrite and the index rebuilds end`;
  const recipeFor = () => {
    // The statement is re-parsed (once, shared by the rules) only to word a finding.
    const own = OwnStatement.of(context.statement.sql, context.statement.node);
    const ownCmd = own ? alterCommands(own.bodyOf('AlterTableStmt'))[index] : undefined;
    const key = relationKey(relation);
    const old = key ? knownColumn(context.knowledge, key, column) : undefined;
    // change-column-type refuses a column filled by a sequence or generated (a trigger cannot copy
    // it), or one an index or a constraint uses (it would stay on the old column): the recipe stays in words.
    if (!key || !old || old.identity || old.generated || context.knowledge.columnUses(key, column).length > 0) return `Instead, change the type in steps (expand/contract):\n${recipe(own, ownCmd, relation, column, to, using)}`;
    return retypeRecipe(key, old, from !== undefined, written(own, ownCmd, using), to);
  };
  const where = `${name}.${column}`;
  const consequence = `every query on ${name} waits until the rewrite ends, which takes minutes on a big table`;

  if (from && !using && timestampZoneChangeSkipsRewriteInUtc(from, to) && context.pgVersion >= 12) {
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
          'backfill it with `sdk db backfill`, switch the app, drop the old column in a contract migration).',
      };
    }
  }

  if (using) {
    return {
      message: `Changing ${where} to ${typeLabel(to)} with a USING clause computes every row again: PostgreSQL rewrites the whole table and rebuilds its indexes, and ${consequence}.`,
      lock,
      help: recipeFor(),
    };
  }
  if (!from) {
    // Linted without the migrations before it (or after a change the linter cannot follow): the
    // verdict is the worst case, and the finding says so and how to get a real answer.
    return {
      message:
        `Verdict: rewrite assumed. The current type of ${where} is unknown here (no migration read before this one says what it is), so the worst case is reported: ` +
        `changing it to ${typeLabel(to)} rewrites the whole table and rebuilds its indexes while every query on ${name} waits, unless the change keeps the rows (varchar to text, a longer varchar, more numeric precision). ` +
        `To know instead of assume, lint the whole migrations folder with \`sdk db lint\`, or let the live catalog answer: \`sdk db plan\` with \`databaseUrl\` reads the column's type from the database.`,
      lock: `${lock}, if it is a rewrite`,
      help: recipeFor(),
    };
  }
  return {
    message: `Changing ${where} from ${typeLabel(from)} to ${typeLabel(to)} rewrites the whole table and rebuilds its indexes; ${consequence}.`,
    lock,
    help: recipeFor(),
  };
}

/**
 * `TYPE ... COLLATE` on a type change that keeps the rows: the table file stays, but every index
 * on the column whose collation changes is rebuilt under the ACCESS EXCLUSIVE lock. An index
 * already built with the new collation is kept (CheckIndexCompatible).
 */
function collationChange(context: RuleContext, cmd: AlterTableCmd): Finding | undefined {
  const clause = bodyOf(cmd.def, 'ColumnDef')?.collClause;
  if (!clause) return undefined;
  const relation = relationOf(context.statement);
  const name = qualified(relation);
  const column = String(cmd.name);
  const own = OwnStatement.of(context.statement.sql, context.statement.node);
  const names = sqlNames(own, own?.rangeVar ?? relation);
  const collation = list(clause.collname).map((n) => ident(stringValue(n) ?? '?')).join('.');
  const columnSql = names.column(column);
  const index = ident(objectName(relation?.relname ?? 'table', `${column}_collate`, 'idx'));
  return {
    message:
      `Changing the collation of ${name}.${column} to ${collation} keeps the rows, but rebuilds every index on ${column} while every query on ${name} waits until the rebuilds end, ` +
      'which takes minutes on a big table.',
    lock: `${describeLock('ACCESS EXCLUSIVE', name)} until the index rebuilds end`,
    help:
      `Instead, build the indexes with the new collation first, so this statement only changes the catalog:\n${numbered([
        `For each index on ${columnSql}, build a copy that uses the new collation without blocking writes: \`CREATE INDEX CONCURRENTLY ${index} ON ${names.table} (${columnSql} COLLATE ${collation});\` (UNIQUE where the old index is unique)`,
        `Drop the old indexes with \`DROP INDEX CONCURRENTLY ...;\` (an index behind a UNIQUE or PRIMARY KEY constraint goes with \`ALTER TABLE ${names.table} DROP CONSTRAINT ...;\`, once its unique copy exists)`,
        `Then \`${statementSql(context.statement.sql)}\`: PostgreSQL keeps indexes whose collation does not change, so nothing is rebuilt.`,
      ])}\nIf no index uses ${columnSql}, the statement only changes the catalog already.`,
  };
}

/**
 * The change-column-type operation's plan: a new column of the new type kept equal by a trigger,
 * the rows converted into it in batches, then the old column dropped and the new one renamed in
 * its place after the deploy. The new type and the conversion are the user's, as written; the
 * old column's type, NOT NULL and default come from earlier migrations.
 */
function retypeRecipe(key: string, old: ColumnInfo, known: boolean, text: { type: string; conversion: string | undefined } | undefined, to: ColumnType): string {
  const table = tableOfKey(key);
  const type = text?.type ?? typeLabel(to);
  const using = text?.conversion;
  return planHelp({
    intro: 'Instead, change the type in steps (expand/contract): a new column of the new type, kept equal by a trigger, takes the old one\'s place',
    // Without the old type, no cast back to it can be written: the trigger then only copies old -> new.
    plan: changeColumnType.plan(retypedColumn(table, old, type, using, known)),
    command: newCommand('change-column-type', table, [old.name], { type, using }),
  });
}

/** The expand/contract recipe in words, for a column change-column-type refuses (serial, identity, generated, used by an index or a constraint). */
function recipe(own: OwnStatement | undefined, ownCmd: AlterTableCmd | undefined, relation: RangeVar | undefined, column: string, to: ColumnType, using: boolean): string {
  // The re-parsed relation: the engine's RangeVar counts its location from the start of the file.
  const names = sqlNames(own, own?.rangeVar ?? relation);
  const { type, conversion } = written(own, ownCmd, using) ?? {};
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
function written(own: OwnStatement | undefined, cmd: AlterTableCmd | undefined, using: boolean): { type: string; conversion: string | undefined } | undefined {
  const def = bodyOf(cmd?.def, 'ColumnDef');
  const start = own?.at(def?.typeName?.location);
  if (!own || start === undefined) return undefined;
  const type = own.sql.slice(start, own.clauseEnd(start, ['USING', 'COLLATE']));
  const end = own.clauseEnd(start);
  const keyword = !using || def?.raw_default === undefined ? undefined : own.keywordAfter(start, 'USING', end);
  const from = keyword === undefined ? undefined : own.nextToken(keyword);
  return { type, conversion: from === undefined ? undefined : own.sql.slice(from, own.clauseEnd(from, [], end)) };
}
