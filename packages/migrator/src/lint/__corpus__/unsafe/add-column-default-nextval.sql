-- expect: adding-volatile-default
CREATE SEQUENCE "invoice_number_seq";
--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "number" bigint DEFAULT nextval('invoice_number_seq') NOT NULL;
