/** Small helpers over libpg-query's JSON parse tree, where every node is `{ NodeType: { ...fields } }`. */

export type Node = Record<string, unknown>;

/** The single `{ Kind: body }` pair of a node, or undefined for anything else. */
export function unwrap(node: unknown): { kind: string; body: Node } | undefined {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const keys = Object.keys(node);
  if (keys.length !== 1) return undefined;
  const kind = keys[0]!;
  const body = (node as Node)[kind];
  return body && typeof body === 'object' && !Array.isArray(body) ? { kind, body: body as Node } : undefined;
}

/** The body of a node when it is of the given kind. */
export function bodyOf(node: unknown, kind: string): Node | undefined {
  const u = unwrap(node);
  return u?.kind === kind ? u.body : undefined;
}

/** Visits every object of a tree (nodes, node bodies, plain field objects), depth first, parents first. */
export function walk(value: unknown, visit: (obj: Node) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) walk(v, visit);
  } else if (value && typeof value === 'object') {
    visit(value as Node);
    for (const v of Object.values(value)) walk(v, visit);
  }
}

/** A list field of a node body (`cmds`, `options`, ...), empty when absent. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export interface RangeVar {
  schemaname?: string;
  relname?: string;
}

/** `schema.name` as written (schema omitted when the statement omits it); `?` when unknown. */
export function qualified(rel: unknown): string {
  const r = rel as RangeVar | undefined;
  if (!r?.relname) return '?';
  return r.schemaname ? `${r.schemaname}.${r.relname}` : r.relname;
}

/**
 * A key that identifies a table across statements of one file. An unqualified name is taken as
 * `public`: drizzle-kit writes `"users"` in one statement and `"public"."users"` in another.
 */
export function relationKey(rel: unknown): string | undefined {
  const r = rel as RangeVar | undefined;
  return r?.relname ? `${r.schemaname ?? 'public'}.${r.relname}` : undefined;
}

/** `[{ String: { sval } }, ...]` -> `a.b.c`. */
export function nameList(items: unknown): string {
  if (!Array.isArray(items) || items.length === 0) return '?';
  return items.map((i) => String(bodyOf(i, 'String')?.sval ?? '?')).join('.');
}

/** The name of an `object` of a DropStmt, RenameStmt or AlterObjectSchemaStmt: a name list, a string, a TypeName or a function. */
export function objectName(object: unknown): string {
  const u = unwrap(object);
  if (u?.kind === 'List') return nameList(u.body.items);
  if (u?.kind === 'String') return String(u.body.sval ?? '?');
  if (u?.kind === 'TypeName') return nameList(u.body.names);
  if (u?.kind === 'ObjectWithArgs') return nameList(u.body.objname);
  return '?';
}

/** Names of the objects of a DropStmt. */
export function dropObjectNames(objects: unknown): string[] {
  return list(objects).map(objectName);
}

/**
 * Whether a `DefElem` option is on: `(concurrently)`, `(concurrently true)` and
 * `WITH (create_slot)` are on, `false`/`off`/`no`/`0` are off, undefined when the option is absent.
 */
export function optionEnabled(options: unknown, name: string): boolean | undefined {
  for (const item of list(options)) {
    const def = bodyOf(item, 'DefElem');
    if (def?.defname !== name) continue;
    const arg = unwrap(def.arg);
    if (!arg) return true;
    if (arg.kind === 'Integer') return Number(arg.body.ival ?? 0) !== 0;
    if (arg.kind === 'Boolean') return Boolean(arg.body.boolval);
    return !['false', 'off', 'no', '0'].includes(String(arg.body.sval ?? '').toLowerCase());
  }
  return undefined;
}

/** The values of the `'...'` string constants anywhere under a node. */
export function stringConstants(value: unknown): Set<string> {
  const out = new Set<string>();
  walk(value, (obj) => {
    const constant = obj.A_Const as { sval?: { sval?: string } } | undefined;
    if (constant?.sval) out.add(constant.sval.sval ?? ''); // an empty string's sval is omitted
  });
  return out;
}
