import { parseSync } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, relationOf, unwrap, unwrapStatement, walk, type AlterTableType, type ConstrType, type ObjectType, type StatementKind } from './ast.js';
import { loadParser } from './parse.js';
import { parseEntries } from './spans.js';

beforeAll(loadParser);

const statement = (sql: string) => unwrapStatement(parseEntries(sql)[0]!.stmt!);

describe('the typed parse tree', () => {
  it("is PostgreSQL 18's, the tree the published types describe", () => {
    // @pgsql/types 18 is generated from PostgreSQL 18's parse nodes; a parser of another major
    // version would hand the linter a tree its types do not describe.
    const { version } = parseSync('SELECT 1');
    expect(Math.floor(version! / 10000)).toBe(18);
  });

  it('splits a node into its kind and body, and checking the kind gives the typed body', () => {
    const parts = statement('ALTER TABLE auth.users ADD COLUMN phone text');
    expect(parts.kind).toBe('AlterTableStmt');
    if (parts.kind !== 'AlterTableStmt') throw new Error('unreachable');
    const cmd = bodyOf(parts.body.cmds![0], 'AlterTableCmd');
    expect(cmd?.subtype).toBe('AT_AddColumn');
    expect(bodyOf(cmd?.def, 'ColumnDef')?.colname).toBe('phone');
    expect(bodyOf(cmd?.def, 'Constraint')).toBeUndefined();
    expect(relationOf(parts)).toMatchObject({ schemaname: 'auth', relname: 'users' });
  });

  it('has no relation for a statement without one, and no parts for something that is not a node', () => {
    expect(relationOf(statement('CREATE SCHEMA auth'))).toBeUndefined();
    expect(unwrap(undefined)).toBeUndefined();
    expect(() => unwrapStatement({ String: { sval: 'x' } })).toThrow('not a statement node');
  });

  it('walks every node of a tree, each seen under its own kind', () => {
    const calls: string[] = [];
    walk(parseEntries("SELECT lower(name), now() FROM t WHERE x = 'a'"), (obj) => {
      if (obj.FuncCall) calls.push(obj.FuncCall.funcname!.map((n) => bodyOf(n, 'String')?.sval).join('.'));
    });
    expect(calls).toEqual(['lower', 'now']);
  });

  it('rejects a misspelt kind or enum member at compile time (`pnpm typecheck`)', () => {
    // Each line below fails to compile without its @ts-expect-error: a parser upgrade that renames
    // a member fails the same way wherever the code compares against the old name.
    // @ts-expect-error: AT_AddColum is not an AlterTableType
    const subtype: AlterTableType = 'AT_AddColum';
    // @ts-expect-error: OBJECT_TABLES is not an ObjectType
    const objtype: ObjectType = 'OBJECT_TABLES';
    // @ts-expect-error: CONSTR_CHEK is not a ConstrType
    const contype: ConstrType = 'CONSTR_CHEK';
    // @ts-expect-error: AlterTabelStmt is not a statement kind
    const kind: StatementKind = 'AlterTabelStmt';
    expect([subtype, objtype, contype, kind]).toHaveLength(4);
  });
});
