-- expect: adding-stored-generated-column
ALTER TABLE "customers" ADD COLUMN "full_name" text GENERATED ALWAYS AS ("customers"."first_name" || ' ' || "customers"."last_name") STORED;
