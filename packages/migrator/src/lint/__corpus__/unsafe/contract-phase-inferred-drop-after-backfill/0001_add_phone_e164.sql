ALTER TABLE "auth"."users" ADD COLUMN "phone_e164" varchar(16);
