import { bodyOf, list, nameList } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import { ident, insertAfter, statementSql } from '../rewrite.js';
import type { LintRule } from '../types.js';
import { domainCreatedInFile, nameKey } from './rewrites-helpers.js';

/**
 * ALTER DOMAIN ... ADD CONSTRAINT (CHECK or NOT NULL) and SET NOT NULL check every column of
 * every table that uses the domain, holding a SHARE lock on each (writes wait) while it reads all
 * their rows. A CHECK added NOT VALID is enforced for new values at once and validated later by
 * VALIDATE CONSTRAINT, which takes SHARE UPDATE EXCLUSIVE from PostgreSQL 19 (SHARE before).
 * A domain NOT NULL cannot be NOT VALID; CHECK (VALUE IS NOT NULL) can.
 * https://www.postgresql.org/docs/current/sql-alterdomain.html
 */
export const addingDomainCheck = {
  id: 'adding-domain-check',
  severity: 'error',
  title: 'Adding a domain constraint that checks existing rows',
  check(context) {
    const { statement, pgVersion } = context;
    if (statement.kind !== 'AlterDomainStmt') return undefined;
    const { body } = statement;
    const constraint = body.subtype === 'C' ? bodyOf(body.def, 'Constraint') : undefined;
    const notNull = body.subtype === 'O' || constraint?.contype === 'CONSTR_NOTNULL';
    const check = constraint?.contype === 'CONSTR_CHECK' && constraint.skip_validation !== true;
    if (!notNull && !check) return undefined;
    if (domainCreatedInFile(context, nameKey(body.typeName))) return undefined;

    const domain = nameList(body.typeName);
    const domainSql = list(body.typeName).map((n) => ident(String(bodyOf(n, 'String')?.sval ?? '?'))).join('.');
    const leaf = String(bodyOf(list(body.typeName).at(-1), 'String')?.sval ?? 'domain');
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
