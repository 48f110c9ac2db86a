-- expect: none
DROP INDEX CONCURRENTLY IF EXISTS "users_status_idx";
