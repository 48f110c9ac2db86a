import { sql } from 'drizzle-orm';
import { pgSchema, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';

/** The `auth` schema of the production migration guide. */
export const auth = pgSchema('auth');

export const userStatus = ['active', 'inactive', 'suspended'] as const;

export const users = auth.table('users', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  email: varchar('email', { length: 255 }).notNull().unique('users_email_unique'),
  // Nullable on purpose: the guide's "add required column" recipe starts here.
  phoneNumber: varchar('phone_number', { length: 20 }),
  status: varchar('status', { length: 20, enum: userStatus }).notNull().default('active'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
