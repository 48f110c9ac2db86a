-- expect: dropping-table, drop-cascade
-- source: https://github.com/ankane/strong_migrations#creating-a-table-with-the-force-option (the force option drops an existing table, and its dependents, before creating it again)
DROP TABLE IF EXISTS "customers" CASCADE;
--> statement-breakpoint
CREATE TABLE "customers" ("id" bigserial PRIMARY KEY NOT NULL, "name" text NOT NULL);
