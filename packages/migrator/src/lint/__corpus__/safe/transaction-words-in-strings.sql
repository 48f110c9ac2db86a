-- expect: none
INSERT INTO "audit_events" ("kind", "detail") VALUES ('deploy', 'BEGIN; ... COMMIT; ROLLBACK on failure');
