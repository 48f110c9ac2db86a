CREATE TABLE "coupons" ("id" serial PRIMARY KEY NOT NULL, "code" text NOT NULL);
