-- expect: truncating-table
TRUNCATE TABLE "sessions";
