-- expect: changing-column-type
-- history: 0000_init.sql
ALTER TABLE "auth"."users" ALTER COLUMN "email" SET DATA TYPE varchar(255) COLLATE "C";
