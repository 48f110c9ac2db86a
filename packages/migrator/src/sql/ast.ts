/**
 * Small typed helpers over libpg-query's JSON parse tree, where every node is `{ NodeType: { ...fields } }`.
 *
 * The types are `@pgsql/types`, the published types of PostgreSQL 18's parse tree that libpg-query
 * is built with, imported through libpg-query's own re-export so that they are always the ones of
 * the installed parser: an upgrade that renames a node, a field or an enum member (`AT_AddColumn`,
 * `OBJECT_TABLE`, `CONSTR_CHECK`...) fails to compile instead of silently changing a verdict.
 * Compare enum-like fields against these unions, never against a `string`.
 */
import type { AlterDomainStmt, Constraint, Node, PartitionBoundSpec, RangeVar } from 'libpg-query';

export type {
  A_Const,
  AlterDomainStmt,
  AlterSubscriptionType,
  AlterTableCmd,
  AlterTableMoveAllStmt,
  AlterTableStmt,
  AlterTableType,
  ColumnDef,
  CommentStmt,
  Constraint,
  ConstrType,
  CreateStmt,
  DefElem,
  DropStmt,
  IndexStmt,
  JsonExprOp,
  Node,
  ObjectType,
  PartitionBoundSpec,
  PartitionCmd,
  RangeVar,
  RawStmt,
  ReindexObjectType,
  RenameStmt,
  SelectStmt,
  SQLValueFunctionOp,
  TransactionStmtKind,
  TypeName,
  UpdateStmt,
  VacuumStmt,
  XmlExprOp,
} from 'libpg-query';

/**
 * Every kind of node with its body, as one object type (`Node` is the union of
 * `{ AlterTableCmd: AlterTableCmd }`, `{ ColumnDef: ColumnDef }`...): looking a kind up here is
 * cheap for the compiler, where picking it out of the union of 278 kinds is not.
 */
type NodeBodies = { [N in Node as keyof N & string]: N[keyof N] };

/** The kinds of node: `AlterTableStmt`, `ColumnDef`, `String`... */
export type NodeKind = Extract<keyof NodeBodies, string>;

/** The body of a node of kind `K`: `NodeBody<'AlterTableCmd'>` is `{ subtype?, name?, def?, ... }`. */
export type NodeBody<K extends NodeKind> = NodeBodies[K];

/** A node split into its kind and its body: checking `kind` narrows `body`. */
export type Unwrapped = { [K in NodeKind]: { kind: K; body: NodeBody<K> } }[NodeKind];

/** The parts of an `Unwrapped` of one kind. */
export type UnwrappedOf<K extends NodeKind> = Extract<Unwrapped, { kind: K }>;

/**
 * The kinds of node a statement is. Every top-level node of PostgreSQL's grammar is a `...Stmt`
 * (AlterTableStmt, SelectStmt, DoStmt...): `RawStmt.stmt` is never an expression or a clause.
 */
export type StatementKind = Extract<NodeKind, `${string}Stmt`>;

/** A statement split into its kind and body: checking `kind` narrows `body`. */
export type UnwrappedStatement = { [K in StatementKind]: { kind: K; body: NodeBody<K> } }[StatementKind];

/** The parts of an `UnwrappedStatement` of one kind. */
export type UnwrappedStatementOf<K extends StatementKind> = Extract<UnwrappedStatement, { kind: K }>;

/**
 * Any object of a tree as `walk` meets it: a node has exactly one of these keys, a field object
 * (a RangeVar or TypeName body held directly by its parent) none, since no field of any node
 * body is named after a node kind.
 */
export type NodeView = { readonly [K in NodeKind]?: NodeBodies[K] };

const isObject = (value: unknown): value is object => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The single `{ Kind: body }` pair of a node, or undefined for anything else. */
export function unwrap(node: Node | undefined): Unwrapped | undefined;
// The implementation reads the object untyped: its one key is the kind, by the shape of `Node`.
export function unwrap(node: Node | undefined): { kind: string; body: object } | undefined {
  const kind = onlyKey(node);
  if (kind === undefined) return undefined;
  const body: unknown = (node as Record<string, unknown>)[kind];
  return isObject(body) ? { kind, body } : undefined;
}

/**
 * The one key of an object that has exactly one, else undefined. The parse tree's objects come
 * from JSON.parse (no inherited keys): `for...in` finds the key without the array Object.keys
 * allocates, and the linter asks this of every node it looks at.
 */
function onlyKey(node: unknown): string | undefined {
  if (!isObject(node)) return undefined;
  let only: string | undefined;
  for (const key in node) {
    if (only !== undefined) return undefined;
    only = key;
  }
  return only;
}

/**
 * A statement's node split into its kind and body. libpg-query's statements are well-formed
 * `...Stmt` nodes; anything else is a bug here, not a verdict.
 */
export function unwrapStatement(node: Node): UnwrappedStatement {
  const parts = unwrap(node);
  if (!parts || !isStatement(parts)) throw new Error(`not a statement node: ${JSON.stringify(node).slice(0, 60)}`);
  return parts;
}

const isStatement = (parts: Unwrapped): parts is UnwrappedStatement => parts.kind.endsWith('Stmt');

/** The body of a node when it is of the given kind. */
export function bodyOf<K extends NodeKind>(node: Node | undefined, kind: K): NodeBody<K> | undefined;
// Untyped inside: the compiler cannot tie `u.body` to `K` once `u.kind === kind`.
export function bodyOf(node: Node | undefined, kind: NodeKind): object | undefined {
  // unwrap() without its result object: the linter asks this of every node it looks at.
  if (onlyKey(node) !== kind) return undefined;
  const body: unknown = (node as Record<string, unknown>)[kind];
  return isObject(body) ? body : undefined;
}

/** Visits every object of a tree (nodes, node bodies, plain field objects), depth first, parents first, without types. */
export function walkObjects(value: unknown, visit: (obj: object) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) walkObjects(v, visit);
  } else if (value && typeof value === 'object') {
    visit(value);
    for (const v of Object.values(value)) walkObjects(v, visit);
  }
}

/**
 * Visits every object of a parse tree (nodes, node bodies, plain field objects), depth first,
 * parents first: `obj.FuncCall` is the body of a FuncCall node, undefined for any other object.
 */
export function walk(value: unknown, visit: (obj: NodeView) => void): void {
  walkObjects(value, (obj) => visit(obj as NodeView));
}

/** A list field of a node body (`cmds`, `options`, ...), empty when absent. */
export function list<T>(value: readonly T[] | undefined): readonly T[] {
  return Array.isArray(value) ? value : [];
}

/** The value of a `{ String: { sval } }` node; undefined for another node, and for the empty string (whose sval is omitted). */
export function stringValue(node: Node | undefined): string | undefined {
  return bodyOf(node, 'String')?.sval;
}

/** `schema.name` as written (schema omitted when the statement omits it); `?` when unknown. */
export function qualified(rel: RangeVar | undefined): string {
  if (!rel?.relname) return '?';
  return rel.schemaname ? `${rel.schemaname}.${rel.relname}` : rel.relname;
}

/**
 * A key that identifies a table across statements of one file. An unqualified name is taken as
 * `public`: drizzle-kit writes `"users"` in one statement and `"public"."users"` in another.
 */
export function relationKey(rel: RangeVar | undefined): string | undefined {
  return rel?.relname ? `${rel.schemaname ?? 'public'}.${rel.relname}` : undefined;
}

/**
 * The `relation` of a statement that has one (ALTER TABLE, CREATE INDEX, UPDATE, RENAME...), as
 * the statement names it; undefined for a statement without one.
 */
export function relationOf(statement: UnwrappedStatement): RangeVar | undefined {
  return 'relation' in statement.body ? statement.body.relation : undefined;
}

/** `[{ String: { sval } }, ...]` -> `a.b.c`. */
export function nameList(items: readonly Node[] | undefined): string {
  if (!Array.isArray(items) || items.length === 0) return '?';
  return items.map((i) => stringValue(i) ?? '?').join('.');
}

/** The name of an `object` of a DropStmt, RenameStmt or AlterObjectSchemaStmt: a name list, a string, a TypeName or a function. */
export function objectName(object: Node | undefined): string {
  const u = unwrap(object);
  if (u?.kind === 'List') return nameList(u.body.items);
  if (u?.kind === 'String') return u.body.sval ?? '?';
  if (u?.kind === 'TypeName') return nameList(u.body.names);
  if (u?.kind === 'ObjectWithArgs') return nameList(u.body.objname);
  return '?';
}

/** Names of the objects of a DropStmt. */
export function dropObjectNames(objects: readonly Node[] | undefined): string[] {
  return list(objects).map(objectName);
}

/**
 * Whether a `DefElem` option is on: `(concurrently)`, `(concurrently true)` and
 * `WITH (create_slot)` are on, `false`/`off`/`no`/`0` are off, undefined when the option is absent.
 */
export function optionEnabled(options: readonly Node[] | undefined, name: string): boolean | undefined {
  for (const item of list(options)) {
    const def = bodyOf(item, 'DefElem');
    if (def?.defname !== name) continue;
    const arg = unwrap(def.arg);
    if (!arg) return true;
    if (arg.kind === 'Integer') return (arg.body.ival ?? 0) !== 0;
    if (arg.kind === 'Boolean') return Boolean(arg.body.boolval);
    const text = arg.kind === 'String' ? arg.body.sval : undefined;
    return !['false', 'off', 'no', '0'].includes((text ?? '').toLowerCase());
  }
  return undefined;
}

/** The values of the `'...'` string constants anywhere under a node. */
export function stringConstants(value: unknown): Set<string> {
  const out = new Set<string>();
  walk(value, (obj) => {
    const constant = obj.A_Const;
    if (constant?.sval) out.add(constant.sval.sval ?? ''); // an empty string's sval is omitted
  });
  return out;
}

/**
 * `AlterDomainStmt.subtype`, a `char` in PostgreSQL's parsenodes.h that the published types leave
 * as `string`: T = SET/DROP DEFAULT, N = DROP NOT NULL, O = SET NOT NULL, C = ADD CONSTRAINT,
 * X = DROP CONSTRAINT, V = VALIDATE CONSTRAINT.
 */
export type AlterDomainSubtype = 'T' | 'N' | 'O' | 'C' | 'X' | 'V';

export function alterDomainSubtype(body: AlterDomainStmt): AlterDomainSubtype | undefined {
  return body.subtype as AlterDomainSubtype | undefined;
}

/** `Constraint.generated_when` of an identity column: a = ALWAYS, d = BY DEFAULT (ATTRIBUTE_IDENTITY_* in pg_attribute.h). */
export type IdentityKind = 'a' | 'd';

export function identityKind(constraint: Constraint | undefined): IdentityKind | undefined {
  return constraint?.generated_when as IdentityKind | undefined;
}

/** `Constraint.generated_kind` of a generated column: s = STORED, v = VIRTUAL (ATTRIBUTE_GENERATED_* in pg_attribute.h). */
export type GeneratedKind = 's' | 'v';

export function generatedKind(constraint: Constraint | undefined): GeneratedKind | undefined {
  return constraint?.generated_kind as GeneratedKind | undefined;
}

/**
 * `Constraint.fk_del_action` / `fk_upd_action` of a foreign key: a = NO ACTION, r = RESTRICT,
 * c = CASCADE, n = SET NULL, d = SET DEFAULT (FKCONSTR_ACTION_* in parsenodes.h).
 */
export type ForeignKeyAction = 'a' | 'r' | 'c' | 'n' | 'd';

export function foreignKeyActions(constraint: Constraint): { onDelete: ForeignKeyAction | undefined; onUpdate: ForeignKeyAction | undefined } {
  return { onDelete: constraint.fk_del_action as ForeignKeyAction | undefined, onUpdate: constraint.fk_upd_action as ForeignKeyAction | undefined };
}

/** `PartitionBoundSpec.strategy`, a `char` left as `string` too: l = LIST, r = RANGE, h = HASH (PartitionStrategy in parsenodes.h). */
export type PartitionBoundStrategy = 'l' | 'r' | 'h';

export function partitionBoundStrategy(bound: PartitionBoundSpec): PartitionBoundStrategy | undefined {
  return bound.strategy as PartitionBoundStrategy | undefined;
}
