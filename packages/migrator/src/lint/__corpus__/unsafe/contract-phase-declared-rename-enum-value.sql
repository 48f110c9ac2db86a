-- expect: renaming-enum-value (warning)
-- history: 0000_types.sql
-- source: https://www.postgresql.org/docs/current/sql-altertype.html (RENAME VALUE breaks only an app version that still uses a label: declared a contract step, it is a warning)
-- sdk:phase contract
ALTER TYPE "public"."order_status" RENAME VALUE 'shipped' TO 'dispatched';
