-- expect: adding-foreign-key
ALTER TABLE "projects" ADD COLUMN "organization_id" integer DEFAULT 1 NOT NULL REFERENCES "organizations"("id");
