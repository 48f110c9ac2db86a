-- expect: dropping-table (warning)
-- history: 0000_init.sql
DROP VIEW "auth"."users";
