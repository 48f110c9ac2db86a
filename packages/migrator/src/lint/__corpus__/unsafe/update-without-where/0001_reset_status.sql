-- expect: unbounded-data-change
-- history: 0000_init.sql
UPDATE "auth"."users" SET "status" = 'active';
