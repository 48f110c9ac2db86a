CREATE TABLE "feature_flags" ("id" serial PRIMARY KEY NOT NULL, "mask" bit(8) NOT NULL);
