-- expect: reindexing-non-concurrently
-- pg-version: 11
REINDEX INDEX CONCURRENTLY "users_email_idx";
