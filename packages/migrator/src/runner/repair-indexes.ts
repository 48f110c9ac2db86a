import type pg from 'pg';
import { dropIndexConcurrently, invalidIndexesOn, statementIndexDefinition, validIndexesOn } from '../db/indexes.js';
import { retryLockFailures, type RetryPolicy } from '../db/lock-retry.js';
import { invalidIndexes, reindexLeftovers } from '../db/sessions.js';
import { quoteIdent } from '../sql/quote.js';
import { IndexStatement } from '../sql/index-statement.js';
import { analyzeMigration } from './analyze.js';
import type { MigrationFile, RunnerEvent } from './types.js';

export interface RepairSettings {
  lockTimeoutMs: number;
  retry: RetryPolicy;
  serverVersion: number;
  emit: (event: RunnerEvent) => void;
}

/**
 * INVALID indexes left by the concurrent builds of migrations that are already applied (a build
 * that failed and was retried under another name by an older runner, or by drizzle-kit, whose
 * migrator cannot run CONCURRENTLY at all and leaves the work to hand-run SQL). Each is matched to
 * the statement that built it by definition, not by name. One that duplicates a valid index is
 * dropped; one that is the only copy is rebuilt in place with REINDEX INDEX CONCURRENTLY
 * (PostgreSQL 12+). Nothing here takes a lock that blocks the application; a failure is
 * reported and leaves the index as it was.
 */
export async function repairInvalidIndexes(client: pg.Client, applied: readonly MigrationFile[], settings: RepairSettings): Promise<string[]> {
  if ((await invalidIndexes(client)).length === 0) return [];
  const byTable = new Map<string, IndexStatement[]>();
  for (const file of applied) {
    const planned = await analyzeMigration(file).catch(() => undefined);
    for (const s of planned?.statements ?? []) {
      if (s.kind !== 'IndexStmt' || !s.concurrentIndex) continue;
      const statement = new IndexStatement(s.sql);
      byTable.set(statement.qualifiedTable, [...(byTable.get(statement.qualifiedTable) ?? []), statement]);
    }
  }
  const repaired: string[] = [];
  for (const [table, statements] of byTable) {
    const invalid = await invalidIndexesOn(client, table).catch(() => []);
    if (invalid.length === 0) continue;
    const definitions = new Set<string>();
    for (const statement of statements) {
      const definition = await statementIndexDefinition(client, statement, settings.lockTimeoutMs).catch(() => undefined);
      if (definition) definitions.add(definition);
    }
    const valid = new Set((await validIndexesOn(client, table)).map((v) => v.definition));
    for (const index of invalid.filter((i) => definitions.has(i.definition))) {
      const qualified = `${index.schema}.${index.name}`;
      const duplicate = valid.has(index.definition);
      if (!duplicate && settings.serverVersion < 120000) continue; // REINDEX CONCURRENTLY is PostgreSQL 12+
      settings.emit({ type: 'invalid-index', index: qualified, attempt: 1, action: duplicate ? 'drop-duplicate' : 'rebuild' });
      try {
        await retryLockFailures(settings.retry, async () => {
          if (duplicate) {
            await dropIndexConcurrently(client, index.schema, index.name, settings.lockTimeoutMs);
          } else {
            await client.query(`SET statement_timeout = 0; SET lock_timeout = ${Math.round(settings.lockTimeoutMs)}`);
            await client.query(`REINDEX INDEX CONCURRENTLY ${quoteIdent(index.schema)}.${quoteIdent(index.name)}`);
          }
        });
        if (!duplicate) valid.add(index.definition);
        repaired.push(qualified);
      } catch (error) {
        // A rebuild that fails (duplicate keys for a UNIQUE index) leaves its own INVALID copy.
        for (const copy of await reindexLeftovers(client, index.schema, index.name).catch(() => [])) {
          await dropIndexConcurrently(client, copy.schema, copy.name, settings.lockTimeoutMs).catch(() => {});
        }
        settings.emit({ type: 'warning', message: `INVALID index ${qualified} could not be ${duplicate ? 'dropped' : 'rebuilt'}: ${(error as Error).message}` });
      }
    }
  }
  return repaired;
}
