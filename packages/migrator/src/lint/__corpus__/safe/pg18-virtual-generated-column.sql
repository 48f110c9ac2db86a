-- expect: none
-- pg-version: 18
CREATE TABLE "people" ("first" text, "last" text, "full_name" text GENERATED ALWAYS AS ("first" || ' ' || "last"));
