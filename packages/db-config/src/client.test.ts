import { getTableConfig } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@big0290/testing';
import { migrate } from '@big0290/migrator';
import { createDb, migrationsFolder, users, type Database } from './index.js';

describe('@big0290/db-config', () => {
  let test: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    test = await createTestDatabase('dbconfig');
    await migrate({ databaseUrl: test.url, migrationsFolder });
    db = createDb(test.url);
  });
  afterAll(async () => {
    await db.$client.end();
    await test.drop();
  });

  it('its generated migrations create the auth.users table the schema describes', async () => {
    const [created] = await db.insert(users).values({ email: 'ada@example.com' }).returning();
    expect(created).toMatchObject({ email: 'ada@example.com', phoneNumber: null, status: 'active' });
    expect(created?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created?.createdAt).toBeInstanceOf(Date);
  });

  it('its migrations build the table the Drizzle schema describes: same columns, types, nullability and defaults', async () => {
    const config = getTableConfig(users);
    const { rows } = await test.pool.query<{ column_name: string; data_type: string; is_nullable: string; has_default: boolean }>(
      `SELECT column_name, format_type(a.atttypid, a.atttypmod) AS data_type, c.is_nullable, c.column_default IS NOT NULL AS has_default
         FROM information_schema.columns c
         JOIN pg_attribute a ON a.attrelid = 'auth.users'::regclass AND a.attname = c.column_name
        WHERE c.table_schema = $1 AND c.table_name = $2 ORDER BY c.ordinal_position`,
      [config.schema, config.name],
    );
    const live = rows.map((r) => ({ name: r.column_name, type: r.data_type, notNull: r.is_nullable === 'NO', hasDefault: r.has_default }));
    const declared = config.columns.map((c) => ({
      name: c.name,
      type: c.getSQLType().replace(/^varchar\((\d+)\)$/, 'character varying($1)'),
      notNull: c.notNull,
      hasDefault: c.hasDefault,
    }));
    expect(live).toEqual(declared);
  });

  it('rejects a duplicate email with the unique constraint the schema names', async () => {
    const error: unknown = await db.insert(users).values({ email: 'ada@example.com' }).catch((e: unknown) => e);
    // drizzle-orm wraps the driver's error; PostgreSQL's is its cause.
    expect((error as { cause?: unknown }).cause).toMatchObject({ code: '23505', constraint: 'users_email_unique' });
  });
});
