-- expect: setting-schema
ALTER TABLE "public"."users" SET SCHEMA "auth";
