import type { TransactionStmtKind } from '../../sql/ast.js';
import type { LintRule } from '../types.js';

const EARLY_COMMIT = "ends the runner's transaction early, so a failure after it leaves the migration half-applied and its recorded progress wrong";
const PARTIAL = 'lets part of the migration fail while the rest is recorded as applied';

/** What each command does to the runner's transaction, in the words the message uses. */
const KINDS: Record<TransactionStmtKind, { word: string; effect: string }> = {
  TRANS_STMT_BEGIN: { word: 'BEGIN', effect: `does nothing inside the runner's transaction (PostgreSQL only warns), but the COMMIT that goes with it ${EARLY_COMMIT}` },
  TRANS_STMT_START: { word: 'START TRANSACTION', effect: `does nothing inside the runner's transaction (PostgreSQL only warns), but the COMMIT that goes with it ${EARLY_COMMIT}` },
  TRANS_STMT_COMMIT: { word: 'COMMIT', effect: EARLY_COMMIT },
  TRANS_STMT_ROLLBACK: { word: 'ROLLBACK', effect: "ends the runner's transaction early, undoing the statements before it while the ones after it still run and are recorded" },
  TRANS_STMT_PREPARE: { word: 'PREPARE TRANSACTION', effect: "hands the runner's transaction to a two-phase commit the runner never finishes" },
  TRANS_STMT_COMMIT_PREPARED: { word: 'COMMIT PREPARED', effect: "cannot run inside the runner's transaction, so the migration fails" },
  TRANS_STMT_ROLLBACK_PREPARED: { word: 'ROLLBACK PREPARED', effect: "cannot run inside the runner's transaction, so the migration fails" },
  TRANS_STMT_SAVEPOINT: { word: 'SAVEPOINT', effect: `is only useful with ROLLBACK TO, which ${PARTIAL}` },
  TRANS_STMT_RELEASE: { word: 'RELEASE SAVEPOINT', effect: `is only useful with ROLLBACK TO, which ${PARTIAL}` },
  TRANS_STMT_ROLLBACK_TO: { word: 'ROLLBACK TO SAVEPOINT', effect: PARTIAL },
};

/**
 * The runner already wraps each migration in a transaction (and runs alone the statements that
 * cannot run in one). An explicit COMMIT ends that transaction early: a failure after it leaves
 * the migration half-applied while its recorded progress says otherwise. `sdk db migrate` refuses
 * such a file (E_TRANSACTION_CONTROL); other runners apply it.
 * https://www.postgresql.org/docs/current/tutorial-transactions.html
 */
export const transactionControl = {
  id: 'transaction-control',
  severity: 'error',
  hazard: 'database',
  title: 'BEGIN, COMMIT or ROLLBACK in a migration file',
  kinds: ['TransactionStmt'],
  check({ statement }) {
    if (statement.kind !== 'TransactionStmt') return undefined;
    const kind = statement.body.kind && KINDS[statement.body.kind];
    if (!kind) return undefined;
    return {
      message: `${kind.word} in a migration ${kind.effect} (\`sdk db migrate\` refuses the file).`,
      help: 'Remove it: the runner already runs each migration in one transaction, and runs on their own the statements that cannot run inside one.',
    };
  },
} satisfies LintRule;
