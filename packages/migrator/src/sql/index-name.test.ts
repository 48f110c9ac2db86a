import { beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, type IndexStmt } from './ast.js';
import { loadParser } from './parse.js';
import { parseEntries } from './spans.js';
import { chooseIndexName, makeObjectName } from './index-name.js';

beforeAll(loadParser);

const indexBody = (sql: string): IndexStmt => bodyOf(parseEntries(sql)[0]!.stmt, 'IndexStmt')!;
const name = (sql: string, attempt?: number) => chooseIndexName(indexBody(sql), attempt);

// Every expected name below is the one PostgreSQL 15 gave the same statement (CREATE INDEX
// CONCURRENTLY on a scratch schema, each built twice for the retry name).
describe('the name PostgreSQL gives an unnamed index', () => {
  it('is the table, the key and INCLUDE columns, and idx; idx1, idx2, ... when the name is taken', () => {
    expect(name('CREATE INDEX CONCURRENTLY ON t (v)')).toBe('t_v_idx');
    expect(name('CREATE INDEX CONCURRENTLY ON t (v)', 1)).toBe('t_v_idx1');
    expect(name('CREATE UNIQUE INDEX CONCURRENTLY ON auth.t (v, a) INCLUDE (z)')).toBe('t_v_a_z_idx');
    expect(name('CREATE INDEX CONCURRENTLY ON t USING gin (d jsonb_path_ops) WHERE a > 0')).toBe('t_d_idx');
    expect(name('CREATE INDEX CONCURRENTLY ON t ("Mixed Case", v, v)')).toBe('t_Mixed Case_v_v1_idx');
    expect(name('CREATE INDEX CONCURRENTLY ON t (a, a, a, a)')).toBe('t_a_a1_a2_a3_idx');
  });

  it('names an expression after its function, column or cast type, and an operator expr', () => {
    expect(name('CREATE INDEX CONCURRENTLY ON t (lower(email), lower(e), upper(e))')).toBe('t_lower_lower1_upper_idx');
    expect(name("CREATE INDEX CONCURRENTLY ON t ((d->>'k'), (a + b), coalesce(c, 0), nullif(a, b))")).toBe('t_expr_expr1_coalesce_nullif_idx');
    expect(name('CREATE INDEX CONCURRENTLY ON t ((a::text), ((a+b)::bigint), (e collate "C"), (v))')).toBe('t_a_int8_e_v_idx');
    expect(name('CREATE INDEX CONCURRENTLY ON t (greatest(a, b), (case when a > 0 then b end), (case when a > 0 then 1 else c end), (array[a]), (arr[1]))')).toBe(
      't_greatest_case_c_array_arr_idx',
    );
    expect(name('CREATE INDEX CONCURRENTLY ON t ((a > 0), (a is null), (-a), (a between 1 and 2), (a in (1,2)), (least(a,b)))')).toBe('t_expr_expr1_expr2_expr3_expr4_least_idx');
    expect(name("CREATE INDEX CONCURRENTLY ON t ((d->'a'->>'b'), (e::varchar(3)), ((e)::text collate \"C\"), (x::text))")).toBe('t_expr_e_e1_x_idx');
  });

  it('cuts the longer of table and columns to fit 63 bytes, at a character boundary', () => {
    const long = 'a'.repeat(50);
    expect(name(`CREATE INDEX CONCURRENTLY ON ${long} (${'a'.repeat(40)}_col1, ${'a'.repeat(40)}_col2)`)).toBe(`${'a'.repeat(29)}_${'a'.repeat(29)}_idx`);
    expect(name(`CREATE INDEX CONCURRENTLY ON ${long} (${'a'.repeat(40)}_col1, ${'a'.repeat(40)}_col2)`, 1)).toBe(`${'a'.repeat(29)}_${'a'.repeat(28)}_idx1`);
    expect(name(`CREATE INDEX CONCURRENTLY ON ${long} (v)`)).toBe(`${long}_v_idx`);
    const e = 'é'.repeat(31); // 62 bytes: what PostgreSQL keeps of a 35-character name
    expect(name(`CREATE INDEX CONCURRENTLY ON "${e}" ("${e}", v)`)).toBe(`${'é'.repeat(14)}_${'é'.repeat(14)}_idx`);
    expect(name(`CREATE INDEX CONCURRENTLY ON "${e}" (v)`)).toBe(`${'é'.repeat(28)}_v_idx`);
    expect(Buffer.byteLength(makeObjectName('é'.repeat(40), '', 'pkey'))).toBeLessThanOrEqual(63);
  });
});
