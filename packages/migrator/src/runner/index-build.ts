import type pg from 'pg';
import { chooseIndexName, dropIndexConcurrently, invalidIndexesOn, statementIndexDefinition } from '../db/indexes.js';
import { retryLockFailures, type RetryPolicy } from '../db/lock-retry.js';
import { indexValidity } from '../db/sessions.js';
import { MigrationFailedError } from '../errors.js';
import { IndexStatement } from '../sql/index-statement.js';
import type { RunnerEvent } from './types.js';

export interface IndexBuildSettings {
  lockTimeoutMs: number;
  maxIndexRebuilds: number;
  retry: RetryPolicy;
  emit: (event: RunnerEvent) => void;
}

/**
 * A CREATE INDEX CONCURRENTLY of a migration, and what it may have left behind. When such a
 * build fails or is cancelled (a lock timeout while it waits for older transactions, duplicate
 * keys, a killed run), PostgreSQL leaves the index in place marked INVALID: it is never used by
 * reads but slows every write, and building again under no name picks a new one (`t_v_idx1`).
 * So the build is given a name first (the one PostgreSQL would choose, recorded with the
 * statement's progress so a resumed run uses the same), and before each attempt the leftovers
 * are dropped: its own INVALID index by name, and any other INVALID index on the table that
 * builds exactly what the statement builds (an earlier run's, under another name).
 * https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY
 */
export class ConcurrentIndexBuild {
  private definition: string | undefined;
  private rebuilds = 0;

  private constructor(
    private readonly statement: IndexStatement,
    /** The index's name: the statement's own, or the one the runner gave it (once given). */
    private current: string | undefined,
  ) {}

  /** Reads the statement; its name is the statement's, else the one a killed run recorded, else chosen before the first attempt. */
  static prepare(sql: string, recordedName: string | null | undefined): ConcurrentIndexBuild {
    const statement = new IndexStatement(sql);
    return new ConcurrentIndexBuild(statement, statement.name ?? recordedName ?? undefined);
  }

  get name(): string | undefined {
    return this.current;
  }

  /** True when the runner names the index (the statement has no name). */
  get named(): boolean {
    return this.statement.name === undefined;
  }

  /** The statement to run: with the chosen name written in when it had none. */
  get sql(): string {
    return this.named && this.current ? this.statement.withName(this.current) : this.statement.sql;
  }

  private get schema(): string | undefined {
    return this.statement.relation.schemaname;
  }

  /**
   * Before an attempt: `done` when an earlier attempt (or a killed run) already built the index,
   * else drops what earlier attempts left INVALID, names an unnamed index, and returns `build`.
   * Lock timeouts in the drops reach the caller, which retries the whole attempt.
   */
  async prepareAttempt(client: pg.Client, settings: IndexBuildSettings, context: { tag: string; statementIndex: number; ranBefore: boolean; lastFailure: string; afterLockFailure: boolean }): Promise<'done' | 'build'> {
    if (this.current) {
      const existing = await indexValidity(client, this.schema, this.current);
      if (existing?.valid && context.ranBefore) return 'done';
      if (existing && !existing.valid) {
        // A build cancelled by a lock timeout is retried within the retry budget; the rebuild
        // bound is for builds that failed otherwise (and were resumed by a later run).
        if (!context.afterLockFailure && this.rebuilds >= settings.maxIndexRebuilds) {
          const qualified = `${existing.schema}.${this.current}`;
          throw new MigrationFailedError(
            context.tag,
            context.statementIndex,
            `index ${qualified} is still INVALID after ${this.rebuilds} rebuilds${context.lastFailure ? ` (last failure: ${context.lastFailure})` : ''}`,
            { hint: `inspect it (\\d ${qualified}), drop it with DROP INDEX CONCURRENTLY, then run \`sdk db migrate\` again` },
          );
        }
        settings.emit({ type: 'invalid-index', index: `${existing.schema}.${this.current}`, attempt: this.rebuilds + 1, action: 'drop-and-rebuild' });
        await dropIndexConcurrently(client, existing.schema, this.current, settings.lockTimeoutMs);
        if (!context.afterLockFailure) this.rebuilds++;
      }
    }
    // Leftovers under other names go first, so that the name chosen next is the one PostgreSQL
    // would choose on a clean table (`t_v_idx`, not `t_v_idx2` beside two dead copies).
    for (const leftover of await this.leftovers(client, settings.lockTimeoutMs)) {
      settings.emit({ type: 'invalid-index', index: `${leftover.schema}.${leftover.name}`, attempt: 1, action: 'drop-leftover' });
      await dropIndexConcurrently(client, leftover.schema, leftover.name, settings.lockTimeoutMs);
    }
    if (!this.current) {
      this.current = await chooseIndexName(client, this.statement);
      if (this.current) settings.emit({ type: 'index-named', tag: context.tag, index: context.statementIndex, name: this.current });
    }
    return 'build';
  }

  /** Other INVALID indexes on the table whose definition is the statement's (not being built by anyone now). */
  private async leftovers(client: pg.Client, lockTimeoutMs: number): Promise<{ schema: string; name: string }[]> {
    const invalid = (await invalidIndexesOn(client, this.statement.qualifiedTable)).filter((i) => i.name !== this.name);
    if (invalid.length === 0) return [];
    this.definition ??= await statementIndexDefinition(client, this.statement, lockTimeoutMs);
    return invalid.filter((i) => i.definition === this.definition);
  }

  /**
   * After a failure no retry will fix (duplicate keys for a UNIQUE index, a bad expression): the
   * INVALID index it left is dropped, retrying the drop on lock timeouts within the same budget.
   * Returns the index still left behind, if the drop could not be done.
   */
  async dropOwnLeftover(client: pg.Client, settings: IndexBuildSettings): Promise<string | undefined> {
    if (!this.name) return undefined;
    const name = this.name;
    try {
      await retryLockFailures(settings.retry, async () => {
        const leftover = await indexValidity(client, this.schema, name);
        if (leftover && !leftover.valid) await dropIndexConcurrently(client, leftover.schema, name, settings.lockTimeoutMs);
      });
      return undefined;
    } catch {
      return `${this.schema ? `${this.schema}.` : ''}${name}`;
    }
  }
}
