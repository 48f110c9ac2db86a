import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableName } from './operation-forms.js';

/**
 * What an operation means for the project's Drizzle schema: the line to change in it, and the
 * same change made to drizzle-kit's last snapshot, so that once the schema says it, drizzle-kit's
 * next `generate` finds nothing to do (it compares the schema with that snapshot). Best effort:
 * the common column types are spelled as drizzle-orm's pg-core builders write them.
 */

/** A drizzle-kit (postgresql, version 7) snapshot, as far as it is changed here; the rest is kept. */
export interface DrizzleSnapshot {
  id: string;
  prevId: string;
  tables?: Record<string, SnapshotTable>;
  [key: string]: unknown;
}

interface SnapshotColumn {
  name: string;
  type: string;
  primaryKey: boolean;
  notNull: boolean;
  default?: string;
  [key: string]: unknown;
}

interface SnapshotTable {
  name: string;
  schema: string;
  columns: Record<string, SnapshotColumn>;
  indexes?: Record<string, unknown>;
  foreignKeys?: Record<string, unknown>;
  uniqueConstraints?: Record<string, unknown>;
  checkConstraints?: Record<string, unknown>;
  [key: string]: unknown;
}

/** One change to make: what to do, and the code to write (a line of a table's columns or extra config). */
export interface SchemaEdit {
  say: string;
  code?: string | undefined;
}

export interface SchemaChange {
  edits: SchemaEdit[];
  /** The same change to drizzle-kit's last snapshot; undefined when it is not made (the lines say so). */
  snapshot?: ((before: DrizzleSnapshot) => DrizzleSnapshot) | undefined;
}

/** The last snapshot of a drizzle-kit migrations folder, or undefined (no journal or no snapshot). */
export function lastSnapshot(migrationsFolder: string): DrizzleSnapshot | undefined {
  try {
    const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ idx: number }> };
    const last = journal.entries.at(-1);
    if (!last) return undefined;
    const path = join(migrationsFolder, 'meta', `${String(last.idx).padStart(4, '0')}_snapshot.json`);
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as DrizzleSnapshot) : undefined;
  } catch {
    return undefined;
  }
}

/** A column type as drizzle-kit writes it in a snapshot, and the pg-core builder that produces it. */
interface DrizzleType {
  sql: string;
  builder: (column: string) => string;
}

const simple = (fn: string, sql = fn.toLowerCase()): DrizzleType => ({ sql, builder: (c) => `${fn}('${c}')` });

/** `varchar(20)`, `character varying(20)`, `timestamptz`, `numeric(12,2)`, `int8`... as drizzle-orm's builders spell them. */
export function drizzleType(type: string): DrizzleType | undefined {
  const t = type.trim().toLowerCase().replace(/\s+/g, ' ').replace(/\s*\(\s*/g, '(').replace(/\s*,\s*/g, ',').replace(/\s*\)/g, ')');
  let m: RegExpExecArray | null;
  if ((m = /^(?:varchar|character varying)(?:\((\d+)\))?$/.exec(t))) {
    const n = m[1];
    return { sql: n ? `varchar(${n})` : 'varchar', builder: (c) => (n ? `varchar('${c}', { length: ${n} })` : `varchar('${c}')`) };
  }
  if ((m = /^(?:char|character|bpchar)(?:\((\d+)\))?$/.exec(t))) {
    const n = m[1];
    return { sql: n ? `char(${n})` : 'char', builder: (c) => (n ? `char('${c}', { length: ${n} })` : `char('${c}')`) };
  }
  if ((m = /^(?:numeric|decimal)(?:\((\d+)(?:,(\d+))?\))?$/.exec(t))) {
    const [, p, s] = m;
    if (!p) return simple('numeric');
    return s !== undefined
      ? { sql: `numeric(${p}, ${s})`, builder: (c) => `numeric('${c}', { precision: ${p}, scale: ${s} })` }
      : { sql: `numeric(${p})`, builder: (c) => `numeric('${c}', { precision: ${p} })` };
  }
  if ((m = /^(?:timestamp(?:\((\d)\))? with time zone|timestamptz(?:\((\d)\))?)$/.exec(t))) {
    const p = m[1] ?? m[2];
    return { sql: `timestamp${p ? ` (${p})` : ''} with time zone`, builder: (c) => `timestamp('${c}', { withTimezone: true${p ? `, precision: ${p}` : ''} })` };
  }
  if ((m = /^timestamp(?:\((\d)\))?(?: without time zone)?$/.exec(t))) {
    const p = m[1];
    return { sql: `timestamp${p ? ` (${p})` : ''}`, builder: (c) => (p ? `timestamp('${c}', { precision: ${p} })` : `timestamp('${c}')`) };
  }
  const named: Record<string, DrizzleType> = {
    text: simple('text'),
    integer: simple('integer'),
    int: simple('integer'),
    int4: simple('integer'),
    bigint: { sql: 'bigint', builder: (c) => `bigint('${c}', { mode: 'number' })` },
    int8: { sql: 'bigint', builder: (c) => `bigint('${c}', { mode: 'number' })` },
    smallint: simple('smallint'),
    int2: simple('smallint'),
    boolean: simple('boolean'),
    bool: simple('boolean'),
    uuid: simple('uuid'),
    json: simple('json'),
    jsonb: simple('jsonb'),
    date: simple('date'),
    inet: simple('inet'),
    cidr: simple('cidr'),
    real: simple('real'),
    float4: simple('real'),
    'double precision': simple('doublePrecision', 'double precision'),
    float8: simple('doublePrecision', 'double precision'),
  };
  return named[t];
}

/** `'unknown'` -> `.default('unknown')`, `0` -> `.default(0)`, `now()` -> `.defaultNow()`, else `.default(sql\`...\`)`. */
function defaultCall(expression: string): string {
  const e = expression.trim();
  if (/^'(?:[^']|'')*'$/.test(e)) return `.default('${e.slice(1, -1).replace(/''/g, "'").replace(/\\/g, '\\\\').replace(/'/g, "\\'")}')`;
  if (/^-?\d+(\.\d+)?$/.test(e) || /^(true|false)$/i.test(e)) return `.default(${e.toLowerCase()})`;
  if (/^(now\(\)|current_timestamp)$/i.test(e)) return '.defaultNow()';
  return `.default(sql\`${e.replace(/`/g, '\\`')}\`)`;
}

/** `phone_number` -> `phoneNumber`. */
export function propertyName(column: string): string {
  return column.replace(/[_\s-]+([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase()).replace(/^[A-Z]/, (c) => c.toLowerCase());
}

/** `auth.users` -> the snapshot's key and how a Drizzle schema declares it. */
function tableOf(table: string): { key: string; declared: string } {
  const name = tableName(table);
  const dot = table.replace(/"[^"]*"\s*$/, '').replace(/[^.]*$/, '');
  const schema = dot ? tableName(dot.slice(0, -1)) : 'public';
  return { key: `${schema}.${name}`, declared: schema === 'public' ? `pgTable('${name}', ...)` : `pgSchema('${schema}').table('${name}', ...)` };
}

/** The builder of a column as the snapshot knows it, or a placeholder naming its SQL type. */
function builderOf(column: string, type: string | undefined): string {
  const known = type ? drizzleType(type) : undefined;
  return known ? known.builder(column) : `<the builder for ${type ?? 'its type'}>('${column}')`;
}

function modifiers(column: SnapshotColumn | undefined): string {
  if (!column) return '';
  return `${column.primaryKey ? '.primaryKey()' : ''}${column.notNull && !column.primaryKey ? '.notNull()' : ''}${column.default !== undefined ? defaultCall(column.default) : ''}`;
}

/** Changes one table of a snapshot (when the snapshot has it). */
function onTable(key: string, change: (table: SnapshotTable) => void): (s: DrizzleSnapshot) => DrizzleSnapshot {
  return (snapshot) => {
    const table = snapshot.tables?.[key];
    if (table) change(table);
    return snapshot;
  };
}

/**
 * The Drizzle schema change an operation asks for. `input` is the operation's input; `resolved`,
 * what `resolve` returned (for the names it chose); `before`, drizzle-kit's last snapshot.
 */
export function schemaChange(kind: string, input: Record<string, unknown>, resolved: Record<string, unknown>, before: DrizzleSnapshot | undefined): SchemaChange {
  const table = String(input.table);
  const { key, declared } = tableOf(table);
  const known = before?.tables?.[key];
  const columns = known?.columns ?? {};
  const where = `in the Drizzle table of ${key} (${declared})`;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  switch (kind) {
    case 'add-required-column': {
      const column = String(input.column);
      const existing = columns[column];
      const type = str(input.type) ?? existing?.type ?? str(resolved.type);
      const dt = type ? drizzleType(type) : undefined;
      // An existing column keeps its default: the operation only sets one on a column it adds.
      const def = existing ? existing.default : str(input.default);
      const line = `${propertyName(column)}: ${builderOf(column, type)}.notNull()${def !== undefined ? defaultCall(def) : ''},`;
      return {
        edits: [{ say: existing ? `${where}, make ${column} NOT NULL:` : `${where}, add the column:`, code: line }],
        snapshot: onTable(key, (t) => {
          const before = t.columns[column];
          t.columns[column] = before
            ? { ...before, notNull: true }
            : { name: column, type: dt?.sql ?? type?.toLowerCase() ?? 'text', primaryKey: false, notNull: true, ...(def !== undefined ? { default: def } : {}) };
        }),
      };
    }
    case 'rename-column': {
      const from = String(input.from);
      const to = String(input.to);
      const old = columns[from];
      return {
        edits: [
          {
            say: `${where}, give the column its new name (the string is the column's name; the property may keep its old name if you prefer), instead of ${propertyName(from)}: ${builderOf(from, old?.type)}...:`,
            code: `${propertyName(to)}: ${builderOf(to, old?.type)}${modifiers(old)},`,
          },
        ],
        snapshot: onTable(key, (t) => {
          const column = t.columns[from];
          if (!column) return;
          delete t.columns[from];
          t.columns[to] = { ...column, name: to };
        }),
      };
    }
    case 'change-column-type': {
      const column = String(input.column);
      const type = String(input.type);
      const dt = drizzleType(type);
      return {
        edits: [{ say: `${where}, give ${column} its new type${columns[column] ? '' : ' (keep its other modifiers)'}:`, code: `${propertyName(column)}: ${builderOf(column, type)}${modifiers(columns[column])},` }],
        snapshot: onTable(key, (t) => {
          const c = t.columns[column];
          if (c) c.type = dt?.sql ?? type.toLowerCase();
        }),
      };
    }
    case 'drop-column': {
      const column = String(input.column);
      return {
        edits: [{ say: `${where}, remove the column ${column} (${propertyName(column)}: ...) and every use of it, in the application version you deploy before the contract` }],
        snapshot: onTable(key, (t) => {
          delete t.columns[column];
        }),
      };
    }
    case 'drop-table':
      return {
        edits: [{ say: `remove the table ${key} (${declared}) from the Drizzle schema, with its relations and every use of it, in the application version you deploy before the contract` }],
        snapshot: (s) => {
          if (s.tables) delete s.tables[key];
          return s;
        },
      };
    case 'add-index': {
      const name = str(resolved.name) ?? str(input.name) ?? 'the_index';
      const cols = String(input.columns).split(',').map((c) => c.trim());
      const plain = cols.every((c) => /^[a-z_][a-z0-9_]*$/.test(c)) && !input.where && !input.using;
      const on = cols.map((c) => (/^[a-z_][a-z0-9_]*$/.test(c) ? `t.${propertyName(c)}` : `sql\`${c}\``)).join(', ');
      const code = `${input.unique ? 'uniqueIndex' : 'index'}('${name}')${input.using ? `.using('${String(input.using)}', ${on})` : `.on(${on})`}${input.where ? `.where(sql\`${String(input.where)}\`)` : ''}`;
      return {
        edits: [{ say: `${where}, declare the index in the table's extra config:`, code }],
        snapshot: plain
          ? onTable(key, (t) => {
              t.indexes = {
                ...t.indexes,
                [name]: { name, columns: cols.map((c) => ({ expression: c, isExpression: false, asc: true, nulls: 'last' })), isUnique: input.unique === true, concurrently: false, method: 'btree', with: {} },
              };
            })
          : undefined,
      };
    }
    case 'add-unique': {
      const name = str(resolved.name) ?? 'the_constraint';
      const cols = String(input.columns).split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
      return {
        edits: [{ say: `${where}, declare the constraint in the table's extra config:`, code: `unique('${name}').on(${cols.map((c) => `t.${propertyName(c)}`).join(', ')})` }],
        snapshot: onTable(key, (t) => {
          t.uniqueConstraints = { ...t.uniqueConstraints, [name]: { name, nullsNotDistinct: false, columns: cols } };
        }),
      };
    }
    case 'add-check': {
      const name = str(resolved.name) ?? 'the_check';
      return {
        edits: [{ say: `${where}, declare the check in the table's extra config:`, code: `check('${name}', sql\`${String(input.check)}\`)` }],
        snapshot: onTable(key, (t) => {
          t.checkConstraints = { ...t.checkConstraints, [name]: { name, value: String(input.check) } };
        }),
      };
    }
    case 'add-foreign-key': {
      const name = str(resolved.name) ?? 'the_fkey';
      const cols = String(input.columns).split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
      const ref = tableOf(String(input.references));
      const refTable = before?.tables?.[ref.key];
      const primaryKey = refTable ? Object.values(refTable.columns).filter((c) => c.primaryKey).map((c) => c.name) : [];
      const refCols = str(input.referencedColumns)?.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1')) ?? (primaryKey.length ? primaryKey : undefined);
      const onDelete = str(input.onDelete)?.toLowerCase();
      const code = `foreignKey({ name: '${name}', columns: [${cols.map((c) => `t.${propertyName(c)}`).join(', ')}], foreignColumns: [${(refCols ?? ['id']).map((c) => `<${tableName(ref.key)} table>.${propertyName(c)}`).join(', ')}] })${onDelete ? `.onDelete('${onDelete}')` : ''}`;
      return {
        edits: [{ say: `${where}, declare the foreign key in the table's extra config:`, code }],
        // The referenced columns are its primary key unless given: the snapshot entry needs them by name.
        snapshot: refCols
          ? onTable(key, (t) => {
              const [schemaTo, tableTo] = ref.key.split('.') as [string, string];
              t.foreignKeys = {
                ...t.foreignKeys,
                [name]: { name, tableFrom: t.name, tableTo, schemaTo, columnsFrom: cols, columnsTo: refCols, onDelete: onDelete ?? 'no action', onUpdate: str(input.onUpdate)?.toLowerCase() ?? 'no action' },
              };
            })
          : undefined,
      };
    }
    case 'rewrite-table': {
      const types = Object.entries((input.columnTypes ?? {}) as Record<string, string>);
      const edits: SchemaEdit[] = types.map(([column, type]) => ({
        say: `${where}, give ${column} its new type${columns[column] ? '' : ' (keep its other modifiers)'}:`,
        code: `${propertyName(column)}: ${builderOf(column, type)}${modifiers(columns[column])},`,
      }));
      if (input.partitionBy) edits.push({ say: 'nothing for the partitioning: a Drizzle schema does not declare it, and drizzle-kit does not compare it' });
      return {
        edits,
        snapshot: types.length
          ? onTable(key, (t) => {
              for (const [column, type] of types) {
                const c = t.columns[column];
                if (c) c.type = drizzleType(type)?.sql ?? type.toLowerCase();
              }
            })
          : undefined,
      };
    }
    default:
      return { edits: [] };
  }
}
