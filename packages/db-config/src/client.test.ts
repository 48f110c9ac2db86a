import { eq, isNull } from 'drizzle-orm';
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

  it('supports the guide data migration: backfill users whose status is null', async () => {
    await test.pool.query('ALTER TABLE auth.users ALTER COLUMN status DROP NOT NULL');
    await test.pool.query("INSERT INTO auth.users (email, status) VALUES ('grace@example.com', NULL)");
    await db.update(users).set({ status: 'active' }).where(isNull(users.status));
    const [grace] = await db.select().from(users).where(eq(users.email, 'grace@example.com'));
    expect(grace?.status).toBe('active');
  });

  it('rejects a duplicate email', async () => {
    await expect(db.insert(users).values({ email: 'ada@example.com' })).rejects.toThrow();
  });
});
