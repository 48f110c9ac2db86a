CREATE TABLE "invoices" (
	"id" serial PRIMARY KEY NOT NULL,
	"amount" numeric(10, 2),
	CONSTRAINT "invoices_amount_present" CHECK ("amount" IS NOT NULL)
);
