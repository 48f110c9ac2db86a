-- expect: none
ALTER TABLE "posts" ADD COLUMN "tags" text[] DEFAULT ARRAY[]::text[] NOT NULL;
