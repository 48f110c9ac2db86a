// The Drizzle schema of `pnpm demo`'s application, before the change: drizzle-kit 0.31 generated
// bench/demo/drizzle/ (0000_init.sql and its snapshot) from it; the demo copies that folder and
// never runs drizzle-kit. To regenerate, remove bench/demo/drizzle, then from the repository root:
//   packages/db-config/node_modules/.bin/drizzle-kit generate --dialect postgresql \
//     --schema bench/demo/schema.ts --out bench/demo/drizzle --name init
import { bigint, pgSchema, timestamp, varchar } from 'drizzle-orm/pg-core';

export const auth = pgSchema('auth');

export const users = auth.table('users', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  email: varchar('email', { length: 255 }).notNull(),
  status: varchar('status', { length: 20 }).notNull().default('active'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
