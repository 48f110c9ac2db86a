-- expect: none
ALTER TABLE "audit_log" ADD COLUMN "logged_at" timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL;
