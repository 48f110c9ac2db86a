import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { createTestDatabase, writeMigrationsFolder, type TestDatabase } from '@big0290/testing';
import { MigrationEncodingError } from '../errors.js';
import { migrate, readMigrations } from './index.js';
import { status } from '../status.js';

const LATIN1_INSERT = Buffer.concat([Buffer.from(`INSERT INTO "greetings" ("word") VALUES ('hello');\n--> statement-breakpoint\nINSERT INTO "greetings" ("word") VALUES ('caf`), Buffer.from([0xe9]), Buffer.from(`');\n`)]);

describe('a migration file that is not valid UTF-8 (issue 9)', () => {
  let db: TestDatabase;
  let folder: string;
  let file: string;
  let error: unknown;
  beforeAll(async () => {
    db = await createTestDatabase('journal');
    folder = await writeMigrationsFolder([
      { tag: '0000_greetings', sql: 'CREATE TABLE "greetings" ("word" text);' },
      { tag: '0001_latin1', sql: '' },
    ]);
    file = join(folder, '0001_latin1.sql');
    await writeFile(file, LATIN1_INSERT); // saved as Latin-1: `é` is the single byte 0xe9
    error = await migrate({ databaseUrl: db.url, migrationsFolder: folder }).catch((e: unknown) => e);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('stops `migrate` with one line naming the file, the line and column, the byte and its offset', () => {
    expect(error).toBeInstanceOf(MigrationEncodingError);
    expect(error).toMatchObject({ code: 'E_ENCODING', file, offset: 121, line: 3, column: 46 });
    const message = (error as MigrationEncodingError).message;
    expect(message).toBe(`${file}:3:46: not valid UTF-8 (byte 0xe9 at byte offset 121); read anyway, it would reach the database as U+FFFD instead of the character you wrote`);
    expect((error as MigrationEncodingError).hint).toMatch(/^re-save the file as UTF-8/);
  });

  it('leaves the database untouched: not even the valid migration before it ran, and the runner recorded nothing', async () => {
    const { rows } = await db.pool.query<{ greetings: string | null; ours: string | null; drizzle: string | null }>(
      "SELECT to_regclass('public.greetings')::text AS greetings, to_regnamespace('sdk_migrator')::text AS ours, to_regnamespace('drizzle')::text AS drizzle",
    );
    expect(rows[0]).toEqual({ greetings: null, ours: null, drizzle: null });
  });

  it('stops `status` the same way', async () => {
    await expect(status({ databaseUrl: db.url, migrationsFolder: folder })).rejects.toMatchObject({ code: 'E_ENCODING', file, offset: 121 });
  });

  it('applies once the file is saved as UTF-8, with the é intact', async () => {
    await writeFile(file, LATIN1_INSERT.toString('latin1'), 'utf8');
    await migrate({ databaseUrl: db.url, migrationsFolder: folder });
    const { rows } = await db.pool.query<{ word: string }>('SELECT word FROM greetings ORDER BY word');
    expect(rows.map((r) => r.word)).toEqual(['café', 'hello']);
  });
});

describe('migration hashes', () => {
  it('are the ones drizzle-orm stores, for files with a byte order mark, CRLF line ends and non-ASCII text', async () => {
    const folder = await writeMigrationsFolder([
      { tag: '0000_bom', sql: "\uFEFFCREATE TABLE \"t\" (\"x\" text);\r\n--> statement-breakpoint\r\nCOMMENT ON TABLE \"t\" IS 'réservé 📞';\r\n" },
      { tag: '0001_plain', sql: 'SELECT 1;' },
    ]);
    const ours = await readMigrations(folder);
    const theirs = readMigrationFiles({ migrationsFolder: folder });
    expect(ours.map((m) => m.hash)).toEqual(theirs.map((m) => m.hash));
    expect(ours[0]!.sql.startsWith('\uFEFF')).toBe(true); // read as drizzle-orm reads it, byte order mark included
  });
});
