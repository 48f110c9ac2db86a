-- expect: reindexing-non-concurrently
REINDEX INDEX "users_email_unique";
