/** Small helpers over libpg-query's JSON parse tree (`{ NodeType: { ...fields } }`). */

export type Node = Record<string, unknown>;

/** The single `{ Kind: body }` pair of a node, or undefined for non-nodes. */
export function unwrap(node: unknown): { kind: string; body: Node } | undefined {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const keys = Object.keys(node);
  if (keys.length !== 1) return undefined;
  const kind = keys[0]!;
  const body = (node as Node)[kind];
  return body && typeof body === 'object' && !Array.isArray(body) ? { kind, body: body as Node } : undefined;
}

/** Visits every object in the tree, depth first. */
export function walk(value: unknown, visit: (obj: Node) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) walk(v, visit);
  } else if (value && typeof value === 'object') {
    visit(value as Node);
    for (const v of Object.values(value)) walk(v, visit);
  }
}

export interface RangeVar {
  schemaname?: string;
  relname?: string;
}

export function qualified(rel: RangeVar | undefined): string {
  if (!rel?.relname) return '?';
  return rel.schemaname ? `${rel.schemaname}.${rel.relname}` : rel.relname;
}

/** `[{ String: { sval } }, ...]` -> `a.b.c`. */
export function nameList(items: unknown): string {
  if (!Array.isArray(items)) return '?';
  return items
    .map((i) => (unwrap(i)?.kind === 'String' ? String(unwrap(i)!.body.sval ?? '') : '?'))
    .join('.');
}

/** Names of the objects of a DropStmt (`objects` is a list of name lists, TypeNames or strings). */
export function dropObjectNames(objects: unknown): string[] {
  if (!Array.isArray(objects)) return [];
  return objects.map((o) => {
    const u = unwrap(o);
    if (!u) return '?';
    if (u.kind === 'List') return nameList(u.body.items);
    if (u.kind === 'String') return String(u.body.sval ?? '?');
    if (u.kind === 'TypeName') return nameList(u.body.names);
    if (u.kind === 'ObjectWithArgs') return nameList(u.body.objname);
    return '?';
  });
}

/** String constants anywhere under a node (`'value'` literals). */
export function stringConstants(value: unknown): Set<string> {
  const out = new Set<string>();
  walk(value, (obj) => {
    const a = obj.A_Const as { sval?: { sval?: string } } | undefined;
    if (a?.sval?.sval !== undefined) out.add(a.sval.sval);
  });
  return out;
}
