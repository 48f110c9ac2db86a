import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase } from './database.js';
import { containerRuntimeAnswers } from './server.js';

describe('the test server', () => {
  it('hands each caller a fresh, empty database on a real PostgreSQL', async () => {
    const a = await createTestDatabase();
    const b = await createTestDatabase();
    try {
      expect(a.name).not.toBe(b.name);
      await a.pool.query('create table t (id int)');
      const { rows } = await b.pool.query("select count(*)::int as n from pg_tables where tablename = 't'");
      expect(rows[0].n).toBe(0);
      const { rows: v } = await a.pool.query('show server_version_num');
      expect(Number(v[0].server_version_num)).toBeGreaterThanOrEqual(120000);
    } finally {
      await a.drop();
      await b.drop();
    }
  });

  it('drops a database even while sessions are connected to it', async () => {
    const db = await createTestDatabase();
    const extra = new pg.Client({ connectionString: db.url });
    await extra.connect();
    extra.on('error', () => {});
    await db.drop();
    const admin = new pg.Client({ connectionString: db.adminUrl });
    await admin.connect();
    const { rows } = await admin.query('select count(*)::int as n from pg_database where datname = $1', [db.name]);
    await admin.end();
    expect(rows[0].n).toBe(0);
  });

  it('decides that no container runtime answers when the configured socket does not exist', async () => {
    const answers = await containerRuntimeAnswers({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(answers).toBe(false);
  });
});
