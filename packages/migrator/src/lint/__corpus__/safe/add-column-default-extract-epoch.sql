-- expect: none
-- extract() over now() is stable: evaluated once, stored in the catalog, no rewrite (PostgreSQL 11+).
ALTER TABLE "sessions" ADD COLUMN "created_epoch" bigint DEFAULT extract(epoch from now())::bigint NOT NULL;
