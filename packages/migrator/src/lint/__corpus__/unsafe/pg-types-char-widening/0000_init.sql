CREATE TABLE "countries" ("code" char(2) PRIMARY KEY NOT NULL, "iso3" char(3) NOT NULL);
