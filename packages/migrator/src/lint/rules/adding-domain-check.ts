import { alterDomainSubtype, bodyOf, list, nameList, qualified, relationKey, stringValue } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import { ident, insertAfter, statementSql } from '../rewrite.js';
import type { Finding, LintRule, LintStatementOf, RuleContext } from '../types.js';
import { objectName } from './constraints-helpers.js';
import { alterCommands, altersTable, domainCreatedInFile, nameKey, numbered, OwnStatement, sqlNames, typeLabel } from './rewrites-helpers.js';

/**
 * ALTER DOMAIN ... ADD CONSTRAINT (CHECK or NOT NULL) and SET NOT NULL check every column of
 * every table that uses the domain, holding a SHARE lock on each (writes wait) while it reads all
 * their rows. A CHECK added NOT VALID is enforced for new values at once and validated later by
 * VALIDATE CONSTRAINT, which takes SHARE UPDATE EXCLUSIVE from PostgreSQL 19 (SHARE before).
 * A domain NOT NULL cannot be NOT VALID; CHECK (VALUE IS NOT NULL) can.
 * ADD COLUMN of a domain type with CHECK or NOT NULL constraints checks them for every existing
 * row (NULL included), which rewrites the table under ACCESS EXCLUSIVE, with or without a DEFAULT
 * (ATExecAddColumn).
 * https://www.postgresql.org/docs/current/sql-alterdomain.html
 */
export const addingDomainCheck = {
  id: 'adding-domain-check',
  severity: 'error',
  hazard: 'database',
  title: 'Adding a domain constraint that checks existing rows',
  kinds: ['AlterTableStmt', 'AlterDomainStmt'],
  check(context) {
    const { statement, pgVersion } = context;
    if (altersTable(statement)) return addColumns(context, statement);
    if (statement.kind !== 'AlterDomainStmt') return undefined;
    const { body } = statement;
    const subtype = alterDomainSubtype(body);
    const constraint = subtype === 'C' ? bodyOf(body.def, 'Constraint') : undefined;
    const notNull = subtype === 'O' || constraint?.contype === 'CONSTR_NOTNULL';
    const check = constraint?.contype === 'CONSTR_CHECK' && constraint.skip_validation !== true;
    if (!notNull && !check) return undefined;
    if (domainCreatedInFile(context, nameKey(body.typeName))) return undefined;

    const domain = nameList(body.typeName);
    const domainSql = list(body.typeName).map((n) => ident(stringValue(n) ?? '?')).join('.');
    const leaf = stringValue(list(body.typeName).at(-1)) ?? 'domain';
    const lock = `${describeLock('SHARE', `every table with a column of domain ${domain}`)} while it reads all their rows`;
    const validation =
      pgVersion >= 19
        ? 'VALIDATE reads the rows under SHARE UPDATE EXCLUSIVE, so reads and writes continue.'
        : 'Before PostgreSQL 19, VALIDATE still blocks writes to those tables while it reads them, so run it at a quiet time; new values are checked from the first step on.';
    const validate = (name: string) => `then, in a later migration (\`pnpm db:generate --custom\`), \`ALTER DOMAIN ${domainSql} VALIDATE CONSTRAINT ${name};\`.`;

    if (notNull) {
      const name = ident(`${leaf}_not_null`);
      return {
        message: `Making domain ${domain} NOT NULL checks every column of every table that uses it, reading all their rows while writes to those tables wait, which takes minutes on big tables.`,
        lock,
        help:
          `Instead, add the rule as a CHECK that skips the existing rows (a domain NOT NULL cannot be NOT VALID): \`ALTER DOMAIN ${domainSql} ADD CONSTRAINT ${name} CHECK (VALUE IS NOT NULL) NOT VALID;\`, ` +
          `${validate(name)} ${validation}`,
      };
    }
    const named = typeof constraint?.conname === 'string';
    const name = named ? ident(String(constraint?.conname)) : ident(`${leaf}_check`);
    const base = named ? statement.sql : (insertAfter(statement.sql, ['ADD'], `CONSTRAINT ${name}`) ?? statement.sql);
    return {
      message: `Adding this CHECK constraint to domain ${domain} checks every column of every table that uses the domain, reading all their rows while writes to those tables wait, which takes minutes on big tables.`,
      lock,
      help: `Instead, add it without checking the existing rows: \`${statementSql(`${base} NOT VALID`)}\`, ${validate(name)} ${validation}`,
    };
  },
} satisfies LintRule;

/** ADD COLUMN of a domain with constraints to an existing table: a rewrite that checks every row. */
function addColumns(context: RuleContext, statement: LintStatementOf<'AlterTableStmt'>): Finding[] | undefined {
  const { knowledge } = context;
  const relation = statement.body.relation;
  const table = relationKey(relation);
  if (context.isNewTable(table)) return undefined;
  const commands = alterCommands(statement.body);
  const findings: Finding[] = [];
  commands.forEach((cmd, index) => {
    const def = cmd.subtype === 'AT_AddColumn' ? bodyOf(cmd.def, 'ColumnDef') : undefined;
    const domain = knowledge.constrainedDomain(def?.typeName?.names);
    if (!def || !domain || typeof def.colname !== 'string') return;
    const name = qualified(relation);
    const column = def.colname;
    const own = OwnStatement.of(statement.sql, statement.node);
    const names = sqlNames(own, own?.rangeVar ?? relation);
    const base = knowledge.domains.get(domain)?.baseType;
    const baseSql = base ? typeLabel(base) : `<the base type of ${domain}>`;
    const added = commands.length === 1 ? withType(own, index, baseSql) : undefined;
    const check = objectName(relation?.relname ?? 'table', column, 'check');
    const columnSql = names.column(column);
    findings.push({
      message:
        `Adding column ${column} of domain ${domain} to ${name} checks the domain's constraints against every existing row and rewrites the whole table, ` +
        `with or without a DEFAULT; every query on ${name} waits until it ends, which takes minutes on a big table.`,
      lock: `${describeLock('ACCESS EXCLUSIVE', name)} until the rewrite ends`,
      help: `Instead, add a column of the domain's base type and enforce the domain's rule with a CHECK validated later:\n${numbered([
        `\`${added ?? `ALTER TABLE ${names.table} ADD COLUMN ${columnSql} ${baseSql};`}\` (only changes the catalog)`,
        `\`ALTER TABLE ${names.table} ADD CONSTRAINT ${ident(check)} CHECK (...) NOT VALID;\` with the domain's condition, writing ${columnSql} for VALUE (new rows are checked at once)`,
        `In a later migration (\`pnpm db:generate --custom\`): \`ALTER TABLE ${names.table} VALIDATE CONSTRAINT ${ident(check)};\` (reads every row under SHARE UPDATE EXCLUSIVE; reads and writes continue)`,
      ])}`,
    });
  });
  return findings;
}

/** The user's ADD COLUMN with the domain replaced by its base type (DEFAULT and the rest kept), from the re-parsed statement. */
function withType(own: OwnStatement | undefined, index: number, type: string): string | undefined {
  const def = own ? bodyOf(alterCommands(own.bodyOf('AlterTableStmt'))[index]?.def, 'ColumnDef') : undefined;
  const start = own?.at(def?.typeName?.location);
  if (!own || start === undefined) return undefined;
  const end = own.clauseEnd(start, ['DEFAULT', 'NOT', 'NULL', 'CONSTRAINT', 'CHECK', 'REFERENCES', 'UNIQUE', 'PRIMARY', 'COLLATE', 'GENERATED']);
  return statementSql(`${own.sql.slice(0, start)}${type}${own.sql.slice(end)}`);
}
