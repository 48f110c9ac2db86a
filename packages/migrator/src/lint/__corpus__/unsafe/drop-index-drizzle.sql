-- expect: dropping-index-non-concurrently
DROP INDEX "users_status_idx";
