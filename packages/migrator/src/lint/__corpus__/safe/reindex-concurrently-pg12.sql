-- expect: none
-- pg-version: 12
REINDEX INDEX CONCURRENTLY "users_email_unique";
