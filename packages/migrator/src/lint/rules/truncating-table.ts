import { bodyOf, list, relationKey } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import type { LintRule } from '../types.js';
import { displayName, relationCreatedInFile, STEPS } from './breaking-helpers.js';

/**
 * TRUNCATE deletes every row at once (no WHERE, no undo after commit) and takes an ACCESS
 * EXCLUSIVE lock held until the migration commits, so every query of the running app on the
 * table waits; with CASCADE it empties every table with a foreign key to it as well.
 * https://www.postgresql.org/docs/current/sql-truncate.html
 */
export const truncatingTable = {
  id: 'truncating-table',
  severity: 'error',
  hazard: 'database',
  title: 'Truncating a table',
  kinds: ['TruncateStmt'],
  check(context) {
    const { statement } = context;
    if (statement.kind !== 'TruncateStmt') return undefined;
    const existing = list(statement.body.relations)
      .map((r) => relationKey(bodyOf(r, 'RangeVar')))
      .filter((key): key is string => key !== undefined && !relationCreatedInFile(context, key));
    const first = existing[0];
    if (!first) return undefined;
    const names = existing.map(displayName).join(', ');
    const cascade = statement.body.behavior === 'DROP_CASCADE';
    return {
      message: `Truncating ${names} deletes every row${cascade ? ', and CASCADE empties every table with a foreign key to it too' : ''}, blocking every query of the running app on it until the migration commits.`,
      lock: `${existing.map((key) => describeLock('ACCESS EXCLUSIVE', displayName(key))).join('; ')}, held until the migration commits`,
      help: [
        'If the rows must go:',
        `1. Back them up: ${STEPS.backup}.`,
        '2. Delete them out of the migrations, a few thousand rows per transaction, from a script or job (`sdk db backfill` only updates rows); a migration runs once, in one transaction.',
        `For a table nothing depends on (a cache, a staging table), keep the TRUNCATE with \`-- sdk-lint-ignore truncating-table: <why>\` on the line before.`,
      ].join('\n'),
    };
  },
} satisfies LintRule;
