import type { Queryable } from '../db/metadata.js';
import { MigratorError } from '../errors.js';
import { rolledBack } from './check-sql.js';
import { quoteIdent } from '../sql/quote.js';
import { columnOf, qualifiedName, readTable, type TableInfo } from './catalog.js';
import {
  dependents,
  foreignKeys,
  identityOptions,
  indexFacts,
  sequenceFacts,
  suffixed,
  tableExtras,
  takenNames,
  unvalidatedChecks,
  userTriggers,
  walkKey,
  withQualifiedNames,
  type IndexFact,
} from './rewrite-table-facts.js';
import { captureFunction, createIndex, keyMatch, rewriteRollback, rewriteSteps, shapeSteps, TYPES_STEP, type RewriteTableResolved } from './rewrite-table-plan.js';
import type { Operation, OperationPlan } from './types.js';

export type { RewriteTableResolved } from './rewrite-table-plan.js';

const INTEGER_TYPES = new Set(['smallint', 'integer', 'bigint']);

export interface RewriteTableInput {
  table: string;
  /** Partition the new table: `RANGE (created_at)`. Every row lands in a DEFAULT partition until you add others. */
  partitionBy?: string | undefined;
  /** New types for some columns: `{ id: 'bigint' }`. Values are converted as an INSERT converts them (an explicit cast where there is no other). */
  columnTypes?: Record<string, string> | undefined;
  /** Base of the helper tables' names (`<name>_sdk_new`, `<name>_sdk_old`); default: the table's name. The swapped table keeps the table's name. */
  name?: string | undefined;
}

function refuse(message: string, hint: string): MigratorError {
  return new MigratorError('E_OPERATION', message, { hint });
}

/**
 * A large table rebuilt in a new shape (partitioned, other column types) without holding a lock
 * while its rows are rewritten: a new table, every write to the old one mirrored into it by a
 * trigger, the existing rows copied in keyset batches (the backfill engine's copy), then both
 * tables swapped by name in one short transaction. The old table stays as `<name>_sdk_old` until
 * a drop-table removes it.
 */
export const rewriteTable: Operation<RewriteTableInput, RewriteTableResolved> = {
  kind: 'rewrite-table',
  summary: 'rebuild a large table in a new shape (partitioned, new column types): new table + mirror trigger + copy in batches + swap',
  async resolve(db: Queryable, input: RewriteTableInput): Promise<RewriteTableResolved> {
    const table = await readTable(db, input.table);
    const extras = await tableExtras(db, table);
    const what = `rewrite-table ${table.display}`;
    if (table.partitioned || extras.isPartition || extras.inherits) {
      throw refuse(`${table.display} is ${table.partitioned ? 'partitioned' : extras.isPartition ? 'a partition' : 'part of an inheritance tree'}: rewrite-table copies a plain table`, 'rewrite the partitions one at a time, or detach the table first');
    }
    if (extras.rowSecurity) {
      throw refuse(`${table.display} has row-level security enabled: ${what} does not carry its policies over to the new table`, 'disable row-level security for the rewrite and create the policies on the new table after the swap, or change the table another way');
    }
    const key = await walkKey(db, table);
    if (!key) {
      throw refuse(`${table.display} has no primary key and no unique index over NOT NULL columns: ${what} copies it in key order and mirrors writes by key`, `add a primary key first (CREATE UNIQUE INDEX CONCURRENTLY, then ALTER TABLE ${table.sql} ADD PRIMARY KEY USING INDEX ...)`);
    }
    const users = await dependents(db, table);
    if (users.length > 0) {
      throw refuse(`${table.display} is used by ${users.join(', ')}: after the swap they would still point at the old table`, 'drop them in a migration of their own, run the rewrite, then create them again on the new table (add-foreign-key for a foreign key)');
    }
    const unvalidated = await unvalidatedChecks(db, table);
    if (unvalidated.length > 0) {
      throw refuse(`${table.display} has check constraints that are NOT VALID (${unvalidated.join(', ')}): the new table would enforce them on every copied row`, `validate them first (ALTER TABLE ${table.sql} VALIDATE CONSTRAINT ...), or drop them`);
    }
    const { indexes, fks, triggers } = await withQualifiedNames(db, async () => ({ indexes: await indexFacts(db, table), fks: await foreignKeys(db, table), triggers: await userTriggers(db, table) }));
    const invalid = indexes.filter((i) => !i.valid);
    if (invalid.length > 0) {
      throw refuse(`${table.display} has invalid indexes (${invalid.map((i) => i.name).join(', ')}), left by a failed CREATE INDEX CONCURRENTLY`, 'drop them (DROP INDEX CONCURRENTLY) or rebuild them (REINDEX INDEX CONCURRENTLY) first');
    }
    const deferrable = indexes.filter((i) => i.constraint && / DEFERRABLE/.test(i.definition));
    if (deferrable.length > 0) {
      throw refuse(`${table.display} has deferrable constraints (${deferrable.map((i) => i.name).join(', ')}): the copy's ON CONFLICT DO NOTHING cannot use them`, 'recreate them NOT DEFERRABLE first, or change the table another way');
    }
    for (const column of Object.keys(input.columnTypes ?? {})) columnOf(table, column);

    const base = input.name ?? table.name;
    const newName = suffixed(base, 'sdk_new');
    const oldName = suffixed(base, 'sdk_old');
    const fn = suffixed(`sdk_rewrite_${base}`, 'capture');
    const defaultPartition = input.partitionBy ? suffixed(table.name, 'default') : undefined;
    const sequences = await sequenceFacts(db, table);
    const identitySequences = sequences.filter((s) => s.identity);
    const carried = indexes.map((i) => ({ fact: i, temp: suffixed(i.name, 'sdk_new'), retired: suffixed(i.name, 'sdk_old') }));
    const retiredSequences = identitySequences.map((s) => suffixed(s.name, 'sdk_old'));
    const helperNames = [newName, oldName, fn, ...(defaultPartition ? [defaultPartition] : []), ...carried.flatMap((c) => [c.temp, c.retired]), ...retiredSequences];
    if (new Set([table.name, ...indexes.map((i) => i.name), ...helperNames]).size !== helperNames.length + indexes.length + 1) {
      throw refuse(`the names ${what} needs (${helperNames.join(', ')}) collide once cut to 63 bytes`, 'give a shorter base name with name');
    }
    const taken = await takenNames(db, table.schema, helperNames);
    if (taken.length > 0) {
      const hint = taken.includes(oldName)
        ? `${table.schema}.${oldName} is the table an earlier rewrite left behind: drop it first (drop-table), or give another base name with name`
        : taken.includes(newName)
          ? `a rewrite of ${table.display} was started and not finished: roll it back (sdk db rollback-operation), or give another base name with name`
          : 'rename or drop them first, or give another base name with name';
      throw refuse(`${taken.map((n) => `${table.schema}.${n}`).join(', ')} exist${taken.length === 1 ? 's' : ''} already: ${what} needs ${taken.length === 1 ? 'that name' : 'those names'}`, hint);
    }

    const r: RewriteTableResolved = {
      display: table.display,
      schema: table.schema,
      name: table.name,
      tableSql: table.sql,
      newName,
      newSql: qualifiedName(table.schema, newName),
      oldName,
      partitionBy: input.partitionBy?.trim() || undefined,
      defaultPartitionSql: defaultPartition ? qualifiedName(table.schema, defaultPartition) : undefined,
      unlogged: extras.unlogged,
      typeChanges: Object.entries(input.columnTypes ?? {}).map(([column, type]) => ({ column, type })),
      owner: extras.owner !== extras.currentUser ? quoteIdent(extras.owner) : undefined,
      comment: extras.comment,
      reloptions: extras.reloptions,
      columns: [],
      select: [],
      values: [],
      key: key.map((column) => ({ column, type: undefined })),
      indexes: carried.map((c) => ({ name: c.fact.name, temp: c.temp, retired: c.retired, create: createIndex(c.fact, c.temp) })),
      foreignKeys: fks,
      grants: extras.grants,
      identities: identitySequences.map((s, i) => {
        const sequenceSql = qualifiedName(s.schema, s.name);
        return { column: s.column, always: s.always, sequenceSql, retired: retiredSequences[i]!, retiredSql: qualifiedName(s.schema, retiredSequences[i]!), options: identityOptions(s, sequenceSql) };
      }),
      ownedSequences: [],
      triggers,
      fnSql: qualifiedName(table.schema, fn),
    };
    await tryNewShape(db, table, r, indexes);
    r.ownedSequences = sequences
      .filter((s) => !s.identity)
      .map((s) => {
        const changed = r.typeChanges.find((t) => t.column === s.column)?.type;
        return { sequenceSql: qualifiedName(s.schema, s.name), column: s.column, as: changed && INTEGER_TYPES.has(changed) && changed !== s.type ? changed : undefined };
      });
    return r;
  },
  plan(r: RewriteTableResolved): OperationPlan {
    return {
      operation: 'rewrite-table',
      summary: `rewrite ${r.display} into a new table${r.partitionBy ? ` partitioned by ${r.partitionBy}` : ''}${r.typeChanges.length ? ` (${r.typeChanges.map((t) => `${t.column} ${t.type}`).join(', ')})` : ''}, copied in batches, then swapped`,
      table: r.display,
      steps: rewriteSteps(r),
      rollback: rewriteRollback(r),
      deploy: `nothing to deploy in between: the application keeps using ${r.display} by its name, the new table from the swap on (the old one stays as ${r.schema}.${r.oldName} until a drop-table removes it)`,
    };
  },
};

/**
 * Builds the new shape inside a transaction that is rolled back, to let PostgreSQL judge the
 * partitioning, the types and the indexes before anything is written; on the way it finds, per
 * changed column, whether the INSERT converts the value by itself (an assignment cast, which
 * refuses a value that does not fit) or needs an explicit cast. Takes ACCESS SHARE on the table
 * (LIKE reads its definition); creates nothing that stays.
 */
async function tryNewShape(db: Queryable, table: TableInfo, r: RewriteTableResolved, indexes: IndexFact[]): Promise<void> {
  const fail = (error: unknown, hint: string) => {
    const detail = (error as { detail?: string }).detail;
    return new MigratorError('E_OPERATION', `the new shape of ${table.display} does not work: ${(error as Error).message}${detail ? ` (${detail})` : ''}`, { cause: error, hint });
  };
  const shape = shapeSteps(r);
  await rolledBack(
    db,
    async () => {
      for (const step of shape.table) {
        try {
          await db.query(step.sql);
        } catch (error) {
          throw step.name === TYPES_STEP
            ? fail(error, 'pick types the values convert to (a cast must exist), and leave the type of a column a generated column uses; or change the column with change-column-type and a USING expression')
            : fail(error, 'check partitionBy: `RANGE (column)`, `LIST (column)` or `HASH (column)`, with columns of the table');
        }
      }
      if (r.partitionBy) await checkPartitionKey(db, table, r, indexes);
      if (r.typeChanges.length > 0) {
        const types = new Map<string, string>();
        const { rows } = await db.query<{ name: string; type: string }>(
          `SELECT attname AS name, pg_catalog.format_type(atttypid, atttypmod) AS type FROM pg_catalog.pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
          [r.newSql],
        );
        for (const row of rows) types.set(row.name, row.type);
        r.typeChanges = r.typeChanges.map((c) => ({ column: c.column, type: types.get(c.column) ?? c.type }));
        r.key = r.key.map((k) => ({ column: k.column, type: r.typeChanges.find((c) => c.column === k.column)?.type }));
      }
      for (const column of table.columns.values()) {
        if (column.generated) continue;
        const col = quoteIdent(column.name);
        const changed = r.typeChanges.find((c) => c.column === column.name);
        // The ALTER ... USING above proved an explicit cast exists; the full INSERT below is planned with it.
        const cast = changed !== undefined && !(await plans(db, `EXPLAIN INSERT INTO ${r.newSql} (${col}) SELECT ${col} FROM ${table.sql}`));
        r.columns.push(col);
        r.select.push(cast ? `${col}::${changed!.type}` : col);
        r.values.push(cast ? `NEW.${col}::${changed!.type}` : `NEW.${col}`);
      }
      for (const step of shape.indexes) {
        try {
          await db.query(step.sql);
        } catch (error) {
          throw fail(error, 'the index or constraint named in the message cannot be built on the new table as it is on the old one: drop it first, or keep the shape it needs');
        }
      }
      // What the copy and the capture trigger will run, planned (a trigger's statements are only checked when they first run).
      for (const sql of [
        `EXPLAIN INSERT INTO ${r.newSql} (${r.columns.join(', ')}) SELECT ${r.select.join(', ')} FROM ${table.sql} ON CONFLICT DO NOTHING`,
        `EXPLAIN SELECT 1 FROM ${r.newSql} sdk_new, ${table.sql} sdk_old WHERE ${keyMatch(r, 'sdk_new', 'sdk_old')}`,
        captureFunction(r),
      ]) {
        await db.query(sql).catch((error: unknown) => {
          throw fail(error, 'check the column types: the copy and the trigger convert each value as an INSERT does');
        });
      }
    },
    '10s',
  );
}

/** Whether PostgreSQL plans the statement (a savepoint keeps the transaction usable when it does not). */
async function plans(db: Queryable, sql: string): Promise<boolean> {
  await db.query('SAVEPOINT sdk_try');
  try {
    await db.query(sql);
    await db.query('RELEASE SAVEPOINT sdk_try');
    return true;
  } catch {
    await db.query('ROLLBACK TO SAVEPOINT sdk_try');
    return false;
  }
}

/** PostgreSQL requires every unique index and primary key of a partitioned table to include the partition key's columns. */
async function checkPartitionKey(db: Queryable, table: TableInfo, r: RewriteTableResolved, indexes: IndexFact[]): Promise<void> {
  const { rows } = await db.query<{ cols: Array<string | null> }>(
    `SELECT ARRAY(SELECT a.attname::text FROM unnest(p.partattrs::int2[]) WITH ORDINALITY AS k(attnum, ord)
                    LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = k.attnum AND k.attnum > 0 ORDER BY k.ord) AS cols
       FROM pg_catalog.pg_partitioned_table p WHERE p.partrelid = $1::regclass`,
    [r.newSql],
  );
  const partition = rows[0]?.cols ?? [];
  for (const index of indexes.filter((i) => i.unique || i.constraint === 'x')) {
    const what = index.primary ? `its primary key ${index.name}` : `its unique index ${index.name}`;
    const has = index.columns.filter((c): c is string => c !== null);
    if (partition.includes(null)) {
      throw refuse(`${table.display} cannot be partitioned by ${r.partitionBy}: the key is an expression, and ${what} (${has.join(', ')}) would have to include it`, 'partition by columns of the primary key, e.g. RANGE (created_at) with a primary key (id, created_at)');
    }
    const missing = partition.filter((c): c is string => c !== null && !has.includes(c));
    if (missing.length > 0) {
      throw refuse(
        `${table.display} cannot be partitioned by ${r.partitionBy}: ${what} (${has.join(', ')}) does not include ${missing.join(', ')}, and every unique key of a partitioned table must include the partition key`,
        `add ${missing.join(', ')} to ${index.primary ? 'the primary key' : 'that index'} first (CREATE UNIQUE INDEX CONCURRENTLY ON ${table.sql} (${[...has, ...missing].join(', ')}), then swap the key in a migration), or partition by columns it has`,
      );
    }
  }
}
