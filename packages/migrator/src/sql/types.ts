import type { Node, StatementKind } from './ast.js';

/** `expand` = backward compatible with the running app; `contract` = needs the new app deployed first. */
export type Phase = 'expand' | 'contract';

/** One SQL statement of a migration file, as the PostgreSQL parser sees it. */
export interface SqlStatement {
  /** 0-based position in the file. */
  index: number;
  /** The statement text exactly as written (no trailing semicolon, surrounding blanks trimmed). */
  sql: string;
  /** 1-based line and column of the statement's first character in the file. */
  line: number;
  column: number;
  /** Byte-independent character offset of the first character in the file. */
  offset: number;
  /** Parse-tree node type, e.g. `IndexStmt`, `AlterTableStmt`. */
  kind: StatementKind;
  /** False when PostgreSQL refuses to run it inside a transaction block (or its effect must be committed first). */
  transactional: boolean;
  /** Why it must run outside a transaction, when it must. */
  nonTransactionalReason?: string | undefined;
  phase: Phase;
  /** One short sentence: why this phase (e.g. "drops column auth.users.phone"). */
  phaseReason: string;
  /** The table whose existing rows it changes and locks (UPDATE, DELETE, MERGE), as written. */
  changesRowsOf?: string | undefined;
  /** When set: a concurrent index build this statement performs (to detect/rebuild INVALID leftovers). */
  concurrentIndex?: { schema: string | undefined; name: string | undefined; table: string | undefined } | undefined;
}

/**
 * A parsed statement before classification: its parse-tree node and where it sits in the file.
 * Here rather than in parse.ts, so that classify.ts and windows.ts, which parse.ts uses, need not
 * import parse.ts back.
 */
export interface RawStatement {
  /** `{ Kind: body }`, e.g. `{ IndexStmt: { idxname, relation, concurrent, ... } }`. */
  node: Node;
  kind: StatementKind;
  sql: string;
  offset: number;
  line: number;
  column: number;
}
