-- expect: none
ALTER TABLE "customers" ADD COLUMN "full_name" text GENERATED ALWAYS AS ("first_name" || ' ' || "last_name") VIRTUAL;
