-- expect: adding-required-column, setting-not-null
ALTER TABLE "invoices" ADD COLUMN "due_on" date NOT NULL;
--> statement-breakpoint
ALTER TABLE "invoices" ALTER COLUMN "amount" SET NOT NULL;
