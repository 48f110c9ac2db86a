-- expect: adding-check-constraint
-- A CHECK on the new column is verified against every existing row (phase 3 of ALTER TABLE) while
-- ADD COLUMN holds ACCESS EXCLUSIVE, even though the new column is NULL everywhere.
ALTER TABLE orders ADD COLUMN discount_pct integer CHECK (discount_pct BETWEEN 0 AND 100);
