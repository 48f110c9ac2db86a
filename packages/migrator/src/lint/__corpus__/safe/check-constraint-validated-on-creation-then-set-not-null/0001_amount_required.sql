-- expect: none
ALTER TABLE "invoices" ALTER COLUMN "amount" SET NOT NULL;
