-- expect: none
COMMENT ON COLUMN "orders"."legacy_ref" IS 'Deprecated: do not DROP COLUMN before v3; see ALTER TABLE notes';
--> statement-breakpoint
INSERT INTO "runbook_steps" ("title", "sql") VALUES
  ('purge sessions', 'DELETE FROM sessions; VACUUM FULL sessions;'),
  ('rebuild', 'REINDEX TABLE orders; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;');
