-- expect: none
-- history: 0000_init.sql
UPDATE "auth"."users" SET "status" = 'active' WHERE "status" IS NULL AND "created_at" < '2024-01-01';
