-- expect: unsupported-in-version
-- pg-version: 17
CREATE TABLE "people" ("first" text, "last" text, "full_name" text GENERATED ALWAYS AS ("first" || ' ' || "last"));
