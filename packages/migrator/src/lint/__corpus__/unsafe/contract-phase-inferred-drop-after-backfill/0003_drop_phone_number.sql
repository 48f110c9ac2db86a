-- expect: dropping-column (warning)
-- history: 0000_init.sql
ALTER TABLE "auth"."users" DROP COLUMN "phone_number";
