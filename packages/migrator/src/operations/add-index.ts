import type { Queryable } from '../db/metadata.js';
import { MigratorError } from '../errors.js';
import { bodyOf } from '../sql/ast.js';
import { indexNameCandidates } from '../sql/index-name.js';
import { loadParser } from '../sql/parse.js';
import { quoteIdent } from '../sql/quote.js';
import { parseEntries } from '../sql/spans.js';
import { checkOnEmptyCopy } from './check-sql.js';
import { qualifiedName, readTable, relationOrConstraintExists, type TableInfo } from './catalog.js';
import { LOCKS, sqlStep } from './steps.js';
import type { Operation, OperationPlan } from './types.js';

export interface AddIndexInput {
  table: string;
  /** The index's column list as SQL: `email`, `lower(email), created_at DESC`. */
  columns: string;
  /** Default: the name PostgreSQL would choose (`users_email_idx`). */
  name?: string | undefined;
  unique?: boolean | undefined;
  /** Access method: btree (default), gin, gist, brin, hash... */
  using?: string | undefined;
  /** Partial index predicate. */
  where?: string | undefined;
}

export interface AddIndexResolved {
  tableSql: string;
  display: string;
  schema: string;
  name: string;
  /** The CREATE INDEX CONCURRENTLY statement, named. */
  create: string;
}

/** The CREATE INDEX statement of an input, without CONCURRENTLY and name when those are left out. */
function createSql(tableSql: string, input: AddIndexInput, name: string | undefined, concurrently: boolean): string {
  return `CREATE ${input.unique ? 'UNIQUE ' : ''}INDEX ${concurrently ? 'CONCURRENTLY ' : ''}${name ? `${quoteIdent(name)} ` : ''}ON ${tableSql}${input.using ? ` USING ${input.using}` : ''} (${input.columns})${input.where ? ` WHERE ${input.where}` : ''};`;
}

/**
 * The plan's input from facts, without a database: the index of `input`, named `name`. resolve()
 * passes the name it found free; the linter passes the statement's own name or the one
 * PostgreSQL would choose, and its help for CREATE INDEX is this plan, printed.
 */
export function namedIndex(table: Pick<TableInfo, 'sql' | 'display' | 'schema'>, input: AddIndexInput, name: string): AddIndexResolved {
  return { tableSql: table.sql, display: table.display, schema: table.schema, name, create: createSql(table.sql, input, name, true) };
}

/**
 * An index built with CREATE INDEX CONCURRENTLY, named so that the runner can find and rebuild
 * it when a build is interrupted and leaves an INVALID index behind (docs/runner.md).
 */
export const addIndex: Operation<AddIndexInput, AddIndexResolved> = {
  kind: 'add-index',
  summary: 'build an index without blocking writes (CREATE INDEX CONCURRENTLY, recovered by the runner when it fails)',
  async resolve(db: Queryable, input: AddIndexInput): Promise<AddIndexResolved> {
    const table = await readTable(db, input.table);
    await loadParser();
    let statement;
    try {
      statement = bodyOf(parseEntries(createSql(table.sql, input, input.name, false))[0]?.stmt, 'IndexStmt');
    } catch (error) {
      throw new MigratorError('E_OPERATION', `the index (${input.columns}) on ${table.display} does not parse: ${(error as Error).message}`, {
        hint: 'give the columns as SQL, e.g. --columns "email" or --columns "lower(email), created_at DESC"',
      });
    }
    let name = input.name;
    if (!name && statement) {
      for (const candidate of indexNameCandidates(table.name, statement, 20)) {
        if (!(await relationOrConstraintExists(db, table.schema, candidate))) {
          name = candidate;
          break;
        }
      }
    }
    if (!name) throw new MigratorError('E_OPERATION', `no free name for an index on ${table.display}`, { hint: 'give one with `name`' });
    if (input.name && (await relationOrConstraintExists(db, table.schema, input.name))) {
      throw new MigratorError('E_OPERATION', `${table.schema}.${input.name} exists already`, { hint: 'pick another name with `name`' });
    }
    await checkOnEmptyCopy(db, table.sql, (copy) => createSql(copy, input, undefined, false), `the index (${input.columns}) on ${table.display} is not valid`, 'check the column names and expressions (the names in the database, snake_case in a Drizzle schema)');
    return namedIndex(table, input, name);
  },
  plan(r: AddIndexResolved): OperationPlan {
    return {
      operation: 'add-index',
      summary: `build index ${r.name} on ${r.display}`,
      table: r.display,
      steps: [sqlStep('create index concurrently', 'expand', r.create, LOCKS.concurrently, { transaction: false })],
      rollback: [`DROP INDEX CONCURRENTLY IF EXISTS ${qualifiedName(r.schema, r.name)};`],
      deploy: 'nothing to deploy in between: the index serves the running version as soon as it is valid',
    };
  },
};
