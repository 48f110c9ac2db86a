-- expect: adding-volatile-default
ALTER TABLE "links" ADD COLUMN "slug" text DEFAULT nanoid() NOT NULL;
