-- expect: none
ALTER TABLE "auth"."users" ADD COLUMN "display_name" varchar(80);
