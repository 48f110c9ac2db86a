-- expect: renaming-enum-value
-- history: 0000_types.sql
-- source: https://www.postgresql.org/docs/current/sql-altertype.html (RENAME VALUE renames the label in place: the running app's writes of 'pending' fail with "invalid input value for enum" once it commits)
ALTER TYPE "public"."order_status" RENAME VALUE 'pending' TO 'awaiting_payment';
