import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@big0290/testing';
import { loadParser } from '../sql/parse.js';
import { IndexStatement } from '../sql/index-statement.js';
import { chooseIndexName, invalidIndexesOn, statementIndexDefinition, validIndexesOn } from './indexes.js';

let db: TestDatabase;
let client: pg.Client;
const LONG = 'a_table_name_that_is_quite_long_enough_to_need_truncating_xx';
beforeAll(async () => {
  await loadParser();
  db = await createTestDatabase('indexes');
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(`
    CREATE SCHEMA s;
    CREATE TABLE s.t (id int PRIMARY KEY, v int, w text, "Mixed Case" int, a int, b int);
    CREATE TABLE "${LONG}" ("column_name_that_is_also_rather_long_for_an_index_name" int, "ünïcödé_çølumn_with_many_bytes_in_its_name_ok" int);
    CREATE TABLE public.t (id int, v int);
  `);
});
afterAll(async () => {
  await client.end();
  await db.drop();
});

/** Runs the unnamed statement for real (not concurrently) and returns the name PostgreSQL chose. */
async function nameChosenByPostgres(sql: string): Promise<string> {
  const all = "SELECT oid::int, relname FROM pg_class WHERE relkind = 'i'";
  const before = new Set((await client.query<{ oid: number }>(all)).rows.map((r) => r.oid));
  await client.query(sql);
  const { rows } = await client.query<{ oid: number; relname: string }>(all);
  return rows.find((r) => !before.has(r.oid))!.relname;
}

describe('chooseIndexName', () => {
  const cases = [
    'CREATE INDEX CONCURRENTLY ON s.t (v)',
    'CREATE INDEX CONCURRENTLY ON s.t (v)', // taken now: t_v_idx1
    'CREATE UNIQUE INDEX CONCURRENTLY ON "s"."t" ("v", w)',
    'CREATE INDEX CONCURRENTLY ON s.t (lower(w))',
    'CREATE INDEX CONCURRENTLY ON s.t ((a + b))',
    'CREATE INDEX CONCURRENTLY ON s.t ((w::varchar))',
    'CREATE INDEX CONCURRENTLY ON s.t (coalesce(a, b), (CASE WHEN a > 0 THEN b END))',
    'CREATE INDEX CONCURRENTLY ON s.t (a, a)',
    'CREATE INDEX CONCURRENTLY ON s.t ("Mixed Case") INCLUDE (w) WHERE v IS NOT NULL',
    `CREATE INDEX CONCURRENTLY ON "${LONG}" ("column_name_that_is_also_rather_long_for_an_index_name", "ünïcödé_çølumn_with_many_bytes_in_its_name_ok")`,
    `CREATE INDEX CONCURRENTLY ON "${LONG}" ("ünïcödé_çølumn_with_many_bytes_in_its_name_ok")`,
    'CREATE INDEX CONCURRENTLY ON t (v)',
  ];
  for (const [i, sql] of cases.entries()) {
    it(`picks the name PostgreSQL picks: ${sql}${i === 1 ? ' (the first name taken)' : ''}`, async () => {
      const ours = await chooseIndexName(client, new IndexStatement(sql));
      expect(ours).toBe(await nameChosenByPostgres(sql.replace('CONCURRENTLY ', '')));
    });
  }

  it('gives no name when the table does not exist (the statement then fails on its own)', async () => {
    expect(await chooseIndexName(client, new IndexStatement('CREATE INDEX CONCURRENTLY ON s.missing (v)'))).toBeUndefined();
  });
});

describe('index definitions', () => {
  it('say what a statement builds, in the words of an index already built the same way', async () => {
    await client.query('CREATE TABLE s.d (id int, email varchar(100), n int)');
    await client.query('CREATE UNIQUE INDEX d_email ON s.d (lower(email)) WHERE n > 0');
    const [built] = await validIndexesOn(client, 's.d');
    const same = await statementIndexDefinition(client, new IndexStatement('CREATE UNIQUE INDEX CONCURRENTLY ON "s"."d" USING btree (lower("email")) WHERE "n" > 0'), 1_000);
    expect(same).toBe(built!.definition);
    for (const other of [
      'CREATE INDEX CONCURRENTLY ON s.d (lower(email)) WHERE n > 0',
      'CREATE UNIQUE INDEX CONCURRENTLY ON s.d (lower(email)) WHERE n > 1',
      'CREATE UNIQUE INDEX CONCURRENTLY ON s.d (upper(email)) WHERE n > 0',
      'CREATE UNIQUE INDEX CONCURRENTLY ON s.d (lower(email) DESC) WHERE n > 0',
      'CREATE UNIQUE INDEX CONCURRENTLY ON s.d (lower(email)) INCLUDE (n) WHERE n > 0',
    ]) {
      expect(await statementIndexDefinition(client, new IndexStatement(other), 1_000), other).not.toBe(built!.definition);
    }
    // Nothing of the probe stays behind.
    const { rows } = await client.query("SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'sdk_index_probe%'");
    expect(rows[0].n).toBe(0);
  });

  it('lists INVALID indexes with the same definitions, not the one being built right now', async () => {
    await client.query('CREATE TABLE s.u (id int, v int); INSERT INTO s.u VALUES (1, 1), (2, 1)');
    await expect(client.query('CREATE UNIQUE INDEX CONCURRENTLY ON s.u (v)')).rejects.toMatchObject({ code: '23505' });
    const invalid = await invalidIndexesOn(client, 's.u');
    expect(invalid.map((i) => i.name)).toEqual(['u_v_idx']);
    const probe = await statementIndexDefinition(client, new IndexStatement('CREATE UNIQUE INDEX CONCURRENTLY ON s.u (v)'), 1_000);
    expect(invalid[0]!.definition).toBe(probe);
  });
});
