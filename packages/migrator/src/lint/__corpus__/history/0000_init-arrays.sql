CREATE TABLE "posts" (
	"id" serial PRIMARY KEY NOT NULL,
	"tags" varchar(20)[]
);
