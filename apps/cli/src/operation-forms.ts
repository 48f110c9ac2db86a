/**
 * How `sdk db new <operation>` reads each operation's input from the command line: its
 * positional arguments and the flags it takes. Plain data (no library import), so program.ts
 * can list the forms in `sdk db new --help` without loading the library.
 */

/** The operation flags of `sdk db new`, as commander hands them over. */
export interface OperationFlags {
  type?: string | undefined;
  default?: string | undefined;
  backfill?: string | undefined;
  using?: string | undefined;
  columns?: string | undefined;
  unique?: boolean | undefined;
  where?: string | undefined;
  indexName?: string | undefined;
  references?: string | undefined;
  referencedColumns?: string | undefined;
  onDelete?: string | undefined;
  onUpdate?: string | undefined;
  check?: string | undefined;
  constraintName?: string | undefined;
  partitionBy?: string | undefined;
  columnType?: string[] | undefined;
}

type FlagName = keyof OperationFlags;

/** A flag of a form: its placeholder in the usage line, and whether the operation needs it. */
interface FormFlag {
  flag: FlagName;
  value?: string;
  required?: boolean;
}

export interface OperationForm {
  kind: string;
  /** Positional arguments after the kind, in order. */
  args: readonly string[];
  flags: readonly FormFlag[];
  /** The operation's input (its `Input` type in packages/migrator/src/operations/<kind>.ts). */
  input(args: readonly string[], flags: OperationFlags): Record<string, unknown>;
  /** Words of the default operation name: `add_users_phone_number`. */
  name(args: readonly string[], flags: OperationFlags): string[];
  /** The flag that names what the operation creates (index or constraint), shown in its hints instead of the library's `--name`. */
  objectNameFlag?: FlagName;
}

/** `indexName` -> `--index-name`. */
export function flagOf(name: FlagName): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The table's own name from `auth.users` or `"Auth"."Users"`: the last part, unquoted. */
export function tableName(table: string): string {
  const m = /(?:"((?:[^"]|"")*)"|([^."]+))\s*$/.exec(table.trim());
  return (m?.[1]?.replace(/""/g, '"') ?? m?.[2] ?? table).trim();
}

/** Column names of a comma-separated list, for a name: `a, lower(b)` -> a, lower_b. */
const columnWords = (list: string | undefined) => (list ?? '').split(',').map((c) => c.trim()).filter(Boolean);

/** `--column-type id=bigint` (repeatable) as `{ id: 'bigint' }`. */
function columnTypes(list: readonly string[] | undefined): Record<string, string> | undefined {
  if (!list?.length) return undefined;
  return Object.fromEntries(
    list.map((pair) => {
      const eq = pair.indexOf('=');
      return [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
    }),
  );
}

export const OPERATION_FORMS: readonly OperationForm[] = [
  {
    kind: 'add-required-column',
    args: ['table', 'column'],
    flags: [{ flag: 'type', value: 'sql-type' }, { flag: 'default', value: 'sql' }, { flag: 'backfill', value: 'sql' }],
    input: ([table, column], f) => ({ table, column, type: f.type, default: f.default, backfill: f.backfill }),
    name: ([table, column]) => ['add', tableName(table!), column!],
  },
  {
    kind: 'rename-column',
    args: ['table', 'from', 'to'],
    flags: [],
    input: ([table, from, to]) => ({ table, from, to }),
    name: ([table, from, to]) => ['rename', tableName(table!), from!, 'to', to!],
  },
  {
    kind: 'change-column-type',
    args: ['table', 'column'],
    flags: [{ flag: 'type', value: 'sql-type', required: true }, { flag: 'using', value: 'sql' }],
    input: ([table, column], f) => ({ table, column, type: f.type, using: f.using }),
    name: ([table, column], f) => ['change', tableName(table!), column!, 'to', f.type ?? 'type'],
  },
  {
    kind: 'drop-column',
    args: ['table', 'column'],
    flags: [],
    input: ([table, column]) => ({ table, column }),
    name: ([table, column]) => ['drop', tableName(table!), column!],
  },
  {
    kind: 'drop-table',
    args: ['table'],
    flags: [],
    input: ([table]) => ({ table }),
    name: ([table]) => ['drop', tableName(table!)],
  },
  {
    kind: 'add-index',
    args: ['table'],
    flags: [{ flag: 'columns', value: 'list', required: true }, { flag: 'unique' }, { flag: 'using', value: 'method' }, { flag: 'where', value: 'sql' }, { flag: 'indexName', value: 'name' }],
    input: ([table], f) => ({ table, columns: f.columns, unique: f.unique, using: f.using, where: f.where, name: f.indexName }),
    name: ([table], f) => (f.indexName ? ['add', f.indexName] : ['add', tableName(table!), ...columnWords(f.columns), f.unique ? 'unique' : '', 'index']),
    objectNameFlag: 'indexName',
  },
  {
    kind: 'add-foreign-key',
    args: ['table'],
    flags: [
      { flag: 'columns', value: 'list', required: true },
      { flag: 'references', value: 'table', required: true },
      { flag: 'referencedColumns', value: 'list' },
      { flag: 'onDelete', value: 'action' },
      { flag: 'onUpdate', value: 'action' },
      { flag: 'constraintName', value: 'name' },
    ],
    input: ([table], f) => ({ table, columns: f.columns, references: f.references, referencedColumns: f.referencedColumns, onDelete: f.onDelete, onUpdate: f.onUpdate, name: f.constraintName }),
    name: ([table], f) => (f.constraintName ? ['add', f.constraintName] : ['add', tableName(table!), ...columnWords(f.columns), 'fkey']),
    objectNameFlag: 'constraintName',
  },
  {
    kind: 'add-check',
    args: ['table'],
    flags: [{ flag: 'check', value: 'sql', required: true }, { flag: 'constraintName', value: 'name' }],
    input: ([table], f) => ({ table, check: f.check, name: f.constraintName }),
    name: ([table], f) => (f.constraintName ? ['add', f.constraintName] : ['add', tableName(table!), 'check']),
    objectNameFlag: 'constraintName',
  },
  {
    kind: 'add-unique',
    args: ['table'],
    flags: [{ flag: 'columns', value: 'list', required: true }, { flag: 'constraintName', value: 'name' }],
    input: ([table], f) => ({ table, columns: f.columns, name: f.constraintName }),
    name: ([table], f) => (f.constraintName ? ['add', f.constraintName] : ['add', tableName(table!), ...columnWords(f.columns), 'unique']),
    objectNameFlag: 'constraintName',
  },
  {
    kind: 'rewrite-table',
    args: ['table'],
    flags: [{ flag: 'partitionBy', value: 'spec' }, { flag: 'columnType', value: 'column=type' }],
    input: ([table], f) => ({ table, partitionBy: f.partitionBy, columnTypes: columnTypes(f.columnType) }),
    name: ([table]) => ['rewrite', tableName(table!)],
  },
];

/** Every flag some form takes: the others given with an operation are refused. */
export const OPERATION_FLAG_NAMES: readonly FlagName[] = [...new Set(OPERATION_FORMS.flatMap((f) => f.flags.map((x) => x.flag)))];

/** `add-index <table> --columns <list> [--unique] ...` */
export function usageOf(form: OperationForm): string {
  const flags = form.flags.map(({ flag, value, required }) => {
    const text = `${flagOf(flag)}${value ? ` <${value}>` : ''}`;
    return required ? text : `[${text}]`;
  });
  return [form.kind, ...form.args.map((a) => `<${a}>`), ...flags].join(' ');
}

/** The longest operation name sdk derives: tags add `NNNN_` and `_contract_NN`, all within PostgreSQL's identifier-like file names. */
export const MAX_NAME_LENGTH = 48;

/** `add_users_phone_number`: lower case, digits and `_` only, at most MAX_NAME_LENGTH characters. */
export function operationName(words: readonly string[]): string {
  const name = words
    .join('_')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
  return name.slice(0, MAX_NAME_LENGTH).replace(/_$/, '') || 'operation';
}
