import 'dotenv/config';
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/index.ts',
  out: './migrations',
  // Only needed by drizzle-kit commands that talk to a database (push, pull, studio).
  ...(process.env.DATABASE_URL ? { dbCredentials: { url: process.env.DATABASE_URL } } : {}),
  schemaFilter: ['auth'],
  strict: true,
  verbose: true,
});
