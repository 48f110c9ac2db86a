-- expect: none
-- history: 0000_init.sql
ALTER TABLE "auth"."users" ADD COLUMN "display_name" varchar(80);
