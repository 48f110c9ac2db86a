CREATE TABLE "audit_log" ("id" bigserial PRIMARY KEY NOT NULL, "logged_at" timestamp (3) NOT NULL);
