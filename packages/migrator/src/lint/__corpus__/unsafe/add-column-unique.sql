-- expect: adding-unique-constraint
ALTER TABLE "organizations" ADD COLUMN "slug" text UNIQUE;
