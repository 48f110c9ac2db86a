CREATE TABLE "audit_log" ("id" bigserial PRIMARY KEY NOT NULL, "logged_at" timestamp (6) with time zone NOT NULL);
