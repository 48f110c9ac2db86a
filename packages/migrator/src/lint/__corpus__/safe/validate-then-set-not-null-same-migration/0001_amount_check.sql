ALTER TABLE invoices ADD CONSTRAINT invoices_amount_not_null CHECK (amount IS NOT NULL) NOT VALID;
