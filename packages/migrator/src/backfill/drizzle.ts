import { MigratorError } from '../errors.js';
import type { BackfillSpec } from './types.js';

/**
 * Drizzle tables and SQL, read without importing drizzle-orm (an optional peer): a table carries
 * its name, schema and columns under well-known symbols, and SQL is rendered by the dialect of
 * the drizzle-orm the application itself installed.
 */
const NAME = Symbol.for('drizzle:Name');
const SCHEMA = Symbol.for('drizzle:Schema');
const COLUMNS = Symbol.for('drizzle:Columns');

/** A Drizzle table (pgTable / pgSchema().table). */
export type DrizzleTable = object;
/** Drizzle's sql`...` (anything with getSQL()). */
export interface DrizzleSql {
  getSQL(): unknown;
}

export type SetInput = string | DrizzleSql | Record<string, unknown>;
export type WhereInput = string | DrizzleSql | undefined;

function isSql(value: unknown): value is DrizzleSql {
  return typeof value === 'object' && value !== null && typeof (value as DrizzleSql).getSQL === 'function';
}

/** schema.table of a Drizzle table, quoted for to_regclass. */
export function drizzleTableName(table: DrizzleTable): string {
  const t = table as Record<symbol, unknown>;
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const schema = (t[SCHEMA] as string | undefined) ?? 'public';
  return `${quote(schema)}.${quote(t[NAME] as string)}`;
}

const SPLIT = '/*sdk:where*/';

/**
 * Compiles a typed spec (`set: { status: 'active' }` or sql`...`, `where: isNull(users.status)`)
 * into SQL text with $n parameters, in one rendering so the parameters are numbered once.
 */
export async function compileDrizzleSpec(table: DrizzleTable | string, set: SetInput, where: WhereInput): Promise<BackfillSpec> {
  const tableName = typeof table === 'string' ? table : drizzleTableName(table);
  if (typeof set === 'string' && (where === undefined || typeof where === 'string')) return { table: tableName, set, where };
  let orm: typeof import('drizzle-orm');
  let pgCore: typeof import('drizzle-orm/pg-core');
  try {
    orm = await import('drizzle-orm');
    pgCore = await import('drizzle-orm/pg-core');
  } catch (error) {
    throw new MigratorError('E_BACKFILL_SPEC', 'a Drizzle set or where needs drizzle-orm installed next to @big0290/migrator', { cause: error, hint: 'pnpm add drizzle-orm, or give set and where as SQL text' });
  }
  const { sql } = orm;
  const parts: unknown[] = [];
  if (typeof set === 'string') parts.push(sql.raw(set));
  else if (isSql(set)) parts.push(set);
  else {
    if (typeof table === 'string') throw new MigratorError('E_BACKFILL_SPEC', 'set as an object of columns needs the Drizzle table, not its name');
    const columns = (table as Record<symbol, Record<string, { name: string }>>)[COLUMNS]!;
    const assignments = Object.entries(set).map(([key, value]) => {
      const column = columns[key];
      if (!column) throw new MigratorError('E_BACKFILL_SPEC', `set names ${key}, which is not a column of ${tableName}`, { hint: `columns: ${Object.keys(columns).join(', ')}` });
      return sql`${sql.identifier(column.name)} = ${value}`;
    });
    if (assignments.length === 0) throw new MigratorError('E_BACKFILL_SPEC', 'set is empty: name at least one column');
    parts.push(sql.join(assignments, sql`, `));
  }
  parts.push(sql.raw(SPLIT));
  if (where !== undefined) parts.push(typeof where === 'string' ? sql.raw(where) : where);
  const query = new pgCore.PgDialect().sqlToQuery(sql.join(parts as Parameters<typeof sql.join>[0]));
  // Columns in Drizzle conditions render as "table"."column": the UPDATE names the table the same way.
  const [setSql, whereSql] = query.sql.split(SPLIT) as [string, string];
  const setParams = Math.max(0, ...[...setSql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
  return { table: tableName, set: setSql, where: whereSql.trim() ? whereSql : undefined, params: query.params, setParams };
}
