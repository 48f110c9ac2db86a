-- expect: none
-- pg-version: 16
ALTER TABLE invoices VALIDATE CONSTRAINT invoices_amount_not_null;
ALTER TABLE invoices ALTER COLUMN amount SET NOT NULL;
ALTER TABLE invoices DROP CONSTRAINT invoices_amount_not_null;
