import type { Node } from '../sql/ast.js';
import type { SqlStatement } from '../sql/types.js';
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

/** One statement as the linter sees it: the runner's classification plus the parse tree and effects. */
export interface LintStatement extends SqlStatement {
  node: Node;
  /** Index in the file's list of linted statements (which includes the statements inside DO blocks). */
  position: number;
  /** The body of the top-level node, e.g. the fields of `AlterTableStmt`. */
  body: Node;
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

/** A lint rule. Ids are permanent: they appear in ignore comments and CI configuration. */
export interface LintRule {
  id: string;
  severity: Severity;
  /** One line for listings: "Adding a NOT NULL column without a default". */
  title: string;
  /** Returns the findings for one statement (usually zero or one). */
  check(context: RuleContext): Finding[] | Finding | undefined;
}

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
