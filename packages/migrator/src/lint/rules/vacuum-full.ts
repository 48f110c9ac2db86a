import { bodyOf, list, optionEnabled, qualified, relationKey } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import { statementSql } from '../rewrite.js';
import type { LintRule, LintStatement } from '../types.js';
import { OwnStatement } from './rewrites-helpers.js';

/**
 * VACUUM FULL writes a compacted copy of each table and rebuilds its indexes under ACCESS
 * EXCLUSIVE: every read and write waits. Plain VACUUM makes dead space reusable without blocking
 * reads or writes; pg_repack and pg_squeeze compact online.
 * https://www.postgresql.org/docs/current/sql-vacuum.html
 * https://www.postgresql.org/docs/current/routine-vacuuming.html#VACUUM-FOR-SPACE-RECOVERY
 */
export const vacuumFull = {
  id: 'vacuum-full',
  severity: 'error',
  hazard: 'database',
  title: 'VACUUM FULL',
  kinds: ['VacuumStmt'],
  check({ statement, isNewTable }) {
    if (statement.kind !== 'VacuumStmt' || !statement.body.is_vacuumcmd || optionEnabled(statement.body.options, 'full') !== true) return undefined;
    const relations = list(statement.body.rels).map((r) => bodyOf(r, 'VacuumRelation')?.relation);
    const existing = relations.filter((r) => !isNewTable(relationKey(r)));
    if (relations.length > 0 && existing.length === 0) return undefined;
    const plain = withoutFull(statement);
    const help =
      `Instead, run plain VACUUM, which makes the dead space reusable without blocking reads or writes${plain ? `: \`${statementSql(plain)}\`` : ''}. ` +
      `To give the space back to the operating system online, use pg_repack (\`pg_repack ${existing.length ? existing.map((r) => `--table=${qualified(r)}`).join(' ') : '--table=...'}\`) or pg_squeeze, which hold ACCESS EXCLUSIVE only briefly.`;
    if (relations.length === 0) {
      return {
        message: 'VACUUM FULL without a table rewrites every table of the database, one after another, each while every query on it waits: on a big database, hours of blocked tables.',
        lock: `${describeLock('ACCESS EXCLUSIVE', 'each table in turn')} until its copy is written`,
        help,
      };
    }
    const names = existing.map(qualified).join(', ');
    return {
      message: `VACUUM FULL rewrites ${names} into new files and rebuilds ${existing.length > 1 ? 'their' : 'its'} indexes while every query on ${existing.length > 1 ? 'each' : 'it'} waits, which takes minutes on a big table.`,
      lock: `${describeLock('ACCESS EXCLUSIVE', names)} until the copy is written`,
      help,
    };
  },
} satisfies LintRule;

/** The statement without its FULL option: `VACUUM FULL t` -> `VACUUM t`, `VACUUM (FULL, ANALYZE) t` -> `VACUUM (ANALYZE) t`. */
function withoutFull(statement: LintStatement): string | undefined {
  const { sql } = statement;
  const own = OwnStatement.of(sql, statement.node);
  if (!own) return undefined;
  const tokens = own.tokens;
  if (tokens[1]?.text !== '(') {
    const full = tokens.find((t) => t.keyword && t.upper === 'FULL');
    return full ? own.without([full]) : undefined;
  }
  // A parenthesized option list: drop the `FULL [value]` entry, and the parentheses if nothing is left.
  let depth = 0;
  let close = -1;
  for (let i = 1; i < tokens.length; i++) {
    if (tokens[i]!.text === '(') depth++;
    else if (tokens[i]!.text === ')' && --depth === 0) {
      close = i;
      break;
    }
  }
  if (close < 0) return undefined;
  const entries: { start: number; end: number; first: string }[] = [];
  let from = 2;
  for (let i = 2; i <= close; i++) {
    if (i === close || tokens[i]!.text === ',') {
      if (i > from) entries.push({ start: tokens[from]!.start, end: tokens[i - 1]!.end, first: tokens[from]!.upper });
      from = i + 1;
    }
  }
  const kept = entries.filter((e) => e.first !== 'FULL').map((e) => sql.slice(e.start, e.end));
  const options = kept.length ? ` (${kept.join(', ')})` : '';
  return `${sql.slice(0, tokens[0]!.end)}${options}${sql.slice(tokens[close]!.end)}`;
}
