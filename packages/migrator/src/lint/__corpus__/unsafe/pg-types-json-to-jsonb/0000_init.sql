CREATE TABLE "webhooks" ("id" serial PRIMARY KEY NOT NULL, "payload" json NOT NULL);
