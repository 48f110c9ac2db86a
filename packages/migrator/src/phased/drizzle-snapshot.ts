import { quoteIdent } from '../sql/quote.js';

/** The parts of a drizzle-kit 0.31 PostgreSQL snapshot (version 7) that describe tables and enums. */
export interface SnapshotColumn {
  name: string;
  type: string;
  typeSchema?: string;
  primaryKey?: boolean;
  notNull?: boolean;
  default?: string | number | boolean;
  identity?: { type?: 'always' | 'byDefault' };
  generated?: { as: string; type?: string };
}

export interface SnapshotIndex {
  name: string;
  columns: Array<{ expression: string; isExpression?: boolean; asc?: boolean; nulls?: string; opclass?: string }>;
  isUnique?: boolean;
  method?: string;
  where?: string;
  with?: Record<string, unknown>;
}

export interface SnapshotTable {
  name: string;
  schema?: string;
  columns?: Record<string, SnapshotColumn>;
  indexes?: Record<string, SnapshotIndex>;
  foreignKeys?: Record<string, { name: string; tableTo: string; schemaTo?: string; columnsFrom: string[]; columnsTo: string[]; onDelete?: string; onUpdate?: string }>;
  compositePrimaryKeys?: Record<string, { name: string; columns: string[] }>;
  uniqueConstraints?: Record<string, { name: string; columns: string[]; nullsNotDistinct?: boolean }>;
  checkConstraints?: Record<string, { name: string; value: string }>;
}

export interface SnapshotSchema {
  tables?: Record<string, SnapshotTable>;
  enums?: Record<string, { name: string; schema?: string; values: string[] }>;
  schemas?: Record<string, string>;
}

/** The column's type as SQL: drizzle-kit keeps an enum's name and schema apart (`level`, `shop`), written `"shop"."level"[]`. */
export function snapshotColumnType(c: SnapshotColumn): string {
  if (!c.typeSchema) return c.type;
  const dims = /(\[\d*\])+$/.exec(c.type)?.[0] ?? '';
  return `${quoteIdent(c.typeSchema)}.${quoteIdent(c.type.slice(0, c.type.length - dims.length))}${dims}`;
}
