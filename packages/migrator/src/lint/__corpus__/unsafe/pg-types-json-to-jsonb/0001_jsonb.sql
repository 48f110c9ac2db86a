-- expect: changing-column-type
-- source: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES (json and jsonb store values differently: every row is converted and the table rewritten, checked on PostgreSQL 15)
ALTER TABLE "webhooks" ALTER COLUMN "payload" SET DATA TYPE jsonb USING "payload"::jsonb;
