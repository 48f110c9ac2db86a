-- expect: renaming-column
-- source: https://squawkhq.com/docs/renaming-column (a renamed column breaks the running application's queries, a view's column as well: https://www.postgresql.org/docs/current/sql-alterview.html)
ALTER VIEW "active_users" RENAME COLUMN "email" TO "email_address";
