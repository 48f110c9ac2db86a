import { LOCK_MODES, type LockMode } from '../lint/index.js';
import type { Disagreement, TracedStatement } from './types.js';

/**
 * Locks the static analysis may leave out: a statement reads other tables (a foreign key check,
 * a view's query) under these modes, which block only schema changes. Anything stronger that
 * the trace sees and effects.ts does not name is a disagreement.
 */
const INCIDENTAL: readonly LockMode[] = ['ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE'];

/** Relation kinds compared: what a statement locks or rewrites that traffic notices. */
export const COMPARED_KINDS: readonly string[] = ['table', 'partitioned table', 'materialized view'];

/** What the scratch database's catalog said about a relation before the statement. */
export interface CatalogEntry {
  kind: string;
  /** For a partition: the partitioned table it belongs to. */
  parent?: string | undefined;
}

const rank = (mode: LockMode) => LOCK_MODES.indexOf(mode);

/**
 * Where the static verdicts (effects.ts) and what a traced statement did disagree:
 * - a relation effects.ts names: the strongest mode seen must equal its lock; its relfilenode must
 *   change exactly when it says rewrite;
 * - a table the statement locked or rewrote but effects.ts does not name: a disagreement when the
 *   mode is stronger than ROW EXCLUSIVE, or when it was rewritten.
 * A partitioned table has no storage: PostgreSQL applies the statement to each partition with the
 * same lock, so a partition's lock and rewrite count for the partitioned table effects.ts names.
 * `catalog` holds every relation that existed before the statement; relations the statement
 * itself created are not in it and are not compared.
 */
export function disagreements(tag: string, statement: TracedStatement, catalog: ReadonlyMap<string, CatalogEntry>): Disagreement[] {
  if (statement.status !== 'traced') return [];
  const out: Disagreement[] = [];
  const add = (relation: string, kind: Disagreement['kind'], expected: string, observed: string, message: string) =>
    out.push({ tag, line: statement.line, sql: statement.sql, relation, kind, expected, observed, message });
  const ancestors = (relation: string): string[] => {
    const chain: string[] = [];
    for (let parent = catalog.get(relation)?.parent; parent && !chain.includes(parent); parent = catalog.get(parent)?.parent) chain.push(parent);
    return chain;
  };
  const expectedOn = (relation: string) => statement.expected.find((e) => e.relation === relation);
  /** The effect on the relation itself or on the partitioned table it belongs to. */
  const covering = (relation: string) => expectedOn(relation) ?? ancestors(relation).map(expectedOn).find((e) => e !== undefined);

  for (const effect of statement.expected) {
    const entry = catalog.get(effect.relation);
    if (entry === undefined) continue; // not in the database before the statement (IF EXISTS of nothing, or a name effects.ts guessed)
    const seen = statement.observed.find((o) => o.relation === effect.relation);
    if (!seen) add(effect.relation, 'lock-not-taken', effect.lock, 'none', `effects.ts says ${effect.lock} on ${effect.relation}; the statement took no lock on it`);
    else if (rank(seen.lock) > rank(effect.lock)) {
      add(effect.relation, 'static-lock-weaker', effect.lock, seen.lock, `effects.ts says ${effect.lock} on ${effect.relation}; PostgreSQL took ${seen.lock}, which blocks more`);
    } else if (rank(seen.lock) < rank(effect.lock)) {
      add(effect.relation, 'static-lock-stronger', effect.lock, seen.lock, `effects.ts says ${effect.lock} on ${effect.relation}; PostgreSQL took only ${seen.lock}`);
    }
    if (!COMPARED_KINDS.includes(entry.kind)) continue;
    let rewritten = statement.rewritten.includes(effect.relation);
    if (entry.kind === 'partitioned table') {
      const partitions = [...catalog.keys()].filter((key) => ancestors(key).includes(effect.relation));
      if (partitions.length === 0) continue; // nothing to rewrite: no rewrite can be seen
      rewritten = partitions.some((p) => statement.rewritten.includes(p));
    }
    if (effect.rewrite && !rewritten) add(effect.relation, 'rewrite-not-done', 'rewrite', 'no rewrite', `effects.ts says the statement rewrites ${effect.relation}; its relfilenode did not change`);
    if (!effect.rewrite && rewritten) add(effect.relation, 'rewrite-missing-from-static', 'no rewrite', 'rewrite', `the statement rewrote ${effect.relation} (new relfilenode); effects.ts says it does not`);
  }
  for (const seen of statement.observed) {
    if (expectedOn(seen.relation) || !COMPARED_KINDS.includes(seen.kind) || INCIDENTAL.includes(seen.lock)) continue;
    const parent = covering(seen.relation);
    if (parent && rank(parent.lock) >= rank(seen.lock)) continue;
    add(seen.relation, 'lock-missing-from-static', 'none', seen.lock, `PostgreSQL took ${seen.lock} on ${seen.relation}; effects.ts does not name it`);
  }
  for (const relation of statement.rewritten) {
    if (covering(relation)) continue; // compared above, on the relation or its partitioned table
    add(relation, 'rewrite-missing-from-static', 'no rewrite', 'rewrite', `the statement rewrote ${relation} (new relfilenode); effects.ts does not name it`);
  }
  return out;
}
