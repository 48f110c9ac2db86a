CREATE TABLE "invoices" (
	"id" serial PRIMARY KEY NOT NULL,
	"amount" numeric(10, 2)
);
