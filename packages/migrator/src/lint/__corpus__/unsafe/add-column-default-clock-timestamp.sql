-- expect: adding-volatile-default
ALTER TABLE "audit_log" ADD COLUMN "recorded_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL;
