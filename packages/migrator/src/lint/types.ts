import type { Node, StatementKind, UnwrappedStatement, UnwrappedStatementOf } from '../sql/ast.js';
import type { SqlStatement } from '../sql/types.js';
import type { DoBlockLoop } from './embedded.js';
import type { LockMode } from './locks.js';
import type { SchemaKnowledge } from './knowledge.js';

/** error = blocks traffic, breaks the running app or loses data; warning = advice. */
export type Severity = 'error' | 'warning';

/** What one statement does to one relation, as far as a migration's safety depends on it. */
export interface RelationEffect {
  /** relationKey(): `schema.name`, unqualified names taken as `public`. */
  relation: string;
  /** The strongest table-level lock the statement takes on it. */
  lock: LockMode;
  /** Every row is rewritten into a new file (relfilenode changes): minutes on a big table. */
  rewrite: boolean;
  /** Every row is read (a validation or an index build) while the lock is held. */
  scan: boolean;
  /** The relation was created earlier in the same file: it is empty and no one else uses it yet. */
  created: boolean;
  /** Why: "ALTER COLUMN TYPE bigint rewrites the table". */
  why: string;
}

/**
 * One statement as the linter sees it: the runner's classification plus the parse tree and effects.
 * `kind` and `body` go together: once `statement.kind === 'AlterTableStmt'`, `statement.body` is an
 * AlterTableStmt (its `cmds`, `relation`, `objtype`...).
 */
export type LintStatement = LintStatementFields & UnwrappedStatement;

/** A LintStatement of one kind of statement. */
export type LintStatementOf<K extends StatementKind> = LintStatementFields & UnwrappedStatementOf<K>;

/** What a LintStatement has besides its kind and `body`, the body of the top-level node. */
export interface LintStatementFields extends SqlStatement {
  node: Node;
  /** Index in the file's list of linted statements (which includes the statements inside DO blocks). */
  position: number;
  /** Locks, rewrites and scans, one entry per relation touched. */
  effects: RelationEffect[];
  /** Inside an explicit `BEGIN ... COMMIT` of the file, or inside a DO block / function body. */
  inTransactionBlock: boolean;
  /**
   * Which transaction of the runner the statement runs in: consecutive transactional statements
   * share one, each non-transactional statement runs alone. Equal numbers = same transaction.
   */
  transaction: number;
  /** Set for a statement found inside a `DO $$ ... $$` block or an `EXECUTE '...'` literal. */
  embeddedIn?: 'do-block' | 'execute' | undefined;
  /** Set for a statement inside a LOOP, WHILE or FOR of a DO block: whether that loop commits. */
  loop?: DoBlockLoop | undefined;
}

/** A finding of one rule about one statement, before ignores and rendering. */
export interface Finding {
  message: string;
  /** One imperative sentence, with the safe SQL built from the user's statement or a numbered recipe. */
  help: string;
  /** The lock taken and what it blocks, when the hazard is a lock. */
  lock?: string | undefined;
  /** Overrides the rule's default severity (e.g. a hazard that only applies before PostgreSQL 12). */
  severity?: Severity | undefined;
  /** How a `running-app` finding reads in a contract migration (the engine ignores it for other rules). */
  contract?: ContractStep | undefined;
}

/**
 * What a rule guards against, which decides whether the migration's phase changes its verdict.
 *
 * - `running-app`: the statement is harmless to the database but breaks the application version
 *   that is running while it runs (that version still reads the dropped column, names the renamed
 *   table). Making exactly this change once that version is gone is what a contract migration is
 *   for, so in a contract migration the finding is a warning that says what must be true first.
 * - `database`: a lock, a table rewrite, a full scan, lost rows or a migration that fails, whatever
 *   application version runs. The phase changes nothing: the finding keeps its severity.
 *
 * See docs/rules/README.md#expand-and-contract.
 */
export type Hazard = 'running-app' | 'database';

/**
 * A `running-app` finding as a contract step. The engine words it "<action> is a contract step
 * (<why the file is one>): run it only once <requires>." with `help`, as a warning.
 */
export interface ContractStep {
  /** The statement's change, to start a sentence: "Dropping column phone of auth.users". */
  action: string;
  /**
   * What must be true before it runs, to follow "run it only once": "the application version
   * running now no longer reads or writes auth.users.phone (...)".
   */
  requires: string;
  /** What to check or do before it runs (a backup before data goes), and what to do if it is not so yet. */
  help: string;
  /**
   * The preparation an earlier migration of the folder made, which shows this statement is the
   * contract step of an expand that already ran: "0002_backfill.sql copied auth.users.phone into
   * phone_e164". Only set when the rule can tell for sure; without it, only a
   * `-- sdk:phase contract` comment makes the finding a warning.
   */
  preparedBy?: string | undefined;
}

/** A finding of a `running-app` rule: it always says how it reads in a contract migration. */
export interface RunningAppFinding extends Finding {
  contract: ContractStep;
}

export interface RuleContext {
  statement: LintStatement;
  /** Every statement of the file in order, DO-block statements after their block (the current one is `statements[statement.position]`). */
  statements: readonly LintStatement[];
  /** The target PostgreSQL major version: verdicts change where PostgreSQL's behaviour changed. */
  pgVersion: number;
  /** What earlier statements (of this file and of earlier migrations) created, validated or typed. */
  knowledge: SchemaKnowledge;
  /** Whether relationKey `key` was created earlier in this file (new and empty). */
  isNewTable(key: string | undefined): boolean;
}

interface RuleBase {
  id: string;
  severity: Severity;
  /** One line for listings: "Adding a NOT NULL column without a default". */
  title: string;
  /**
   * The only statement kinds the rule can report on (`statement.kind`): the engine does not call
   * `check` for the others. Left out, `check` sees every statement. registry.test.ts checks that
   * the corpus is judged the same without them.
   */
  kinds?: readonly StatementKind[] | undefined;
}

/** A rule about locks, rewrites, scans, data loss or failures: its verdict is the same in every phase. */
export interface DatabaseRule extends RuleBase {
  hazard: 'database';
  /** Returns the findings for one statement (usually zero or one). */
  check(context: RuleContext): Finding[] | Finding | undefined;
}

/** A rule about breaking the running application: a warning in a contract migration. */
export interface RunningAppRule extends RuleBase {
  hazard: 'running-app';
  /** Returns the findings for one statement (usually zero or one), each worded for a contract migration too. */
  check(context: RuleContext): RunningAppFinding[] | RunningAppFinding | undefined;
}

/** A lint rule. Ids are permanent: they appear in ignore comments and CI configuration. */
export type LintRule = DatabaseRule | RunningAppRule;

export interface Violation {
  rule: string;
  severity: Severity;
  line: number;
  column: number;
  /** 1-based line and column of the statement's end, for editors and SARIF regions. */
  endLine: number;
  endColumn: number;
  message: string;
  help: string;
  lock?: string | undefined;
  /** The statement's text, for the code frame. */
  sql?: string | undefined;
}

export interface LintedStatement {
  line: number;
  column: number;
  kind: string;
  phase: SqlStatement['phase'];
  phaseReason: string;
  transactional: boolean;
  effects: RelationEffect[];
}

export interface FileReport {
  path: string;
  violations: Violation[];
  /** Every statement with its phase and effects (empty when the file did not parse). */
  statements: LintedStatement[];
}

export interface LintReport {
  pgVersion: number;
  files: FileReport[];
  errors: number;
  warnings: number;
}
