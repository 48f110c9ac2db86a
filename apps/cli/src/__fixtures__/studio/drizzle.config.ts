import { defineConfig } from 'drizzle-kit';

/** The drizzle config `sdk db studio` runs with in its test: sdk hands drizzle-kit the database as DATABASE_URL. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './schema.ts',
  dbCredentials: { url: process.env.DATABASE_URL ?? '' },
});
