import type { SchemaKnowledge } from './knowledge.js';
import { stronger, type LockMode } from './locks.js';
import type { RelationEffect } from './types.js';

/** What the effect analysis needs to know besides the statement. */
export interface EffectContext {
  knowledge: SchemaKnowledge;
  pgVersion: number;
  isNewTable(key: string | undefined): boolean;
}


/** Accumulates effects, one entry per relation, keeping the strongest lock and every reason. */
export class Effects {
  private readonly byRelation = new Map<string, RelationEffect>();
  constructor(private readonly context: EffectContext) {}

  add(relation: string | undefined, lock: LockMode, what: { rewrite?: boolean; scan?: boolean; why: string }): void {
    if (!relation) return;
    const existing = this.byRelation.get(relation);
    if (!existing) {
      this.byRelation.set(relation, {
        relation,
        lock,
        rewrite: what.rewrite ?? false,
        scan: what.scan ?? false,
        created: this.context.isNewTable(relation),
        why: what.why,
      });
      return;
    }
    existing.lock = stronger(existing.lock, lock);
    existing.rewrite ||= what.rewrite ?? false;
    existing.scan ||= what.scan ?? false;
    if (!existing.why.includes(what.why)) existing.why = `${existing.why}; ${what.why}`;
  }

  list(): RelationEffect[] {
    return [...this.byRelation.values()];
  }
}

/**
 * A new partition of a parent with a DEFAULT partition (CREATE TABLE ... PARTITION OF, ATTACH
 * PARTITION): PostgreSQL scans the default partition under ACCESS EXCLUSIVE for rows that belong
 * to the new bound (check_default_partition_contents), and fails if it finds one.
 */
export function defaultPartitionScan(parent: string | undefined, effects: Effects, context: EffectContext): void {
  const partition = parent ? context.knowledge.defaultPartitions.get(parent) : undefined;
  if (partition) effects.add(partition, 'ACCESS EXCLUSIVE', { scan: true, why: 'the new partition makes PostgreSQL scan the default partition for rows of its bound' });
}


/** Why a relation is locked when a foreign key on another table goes away. */
export const FK_DROPPED = 'dropping a foreign key removes its triggers from the referenced table';
