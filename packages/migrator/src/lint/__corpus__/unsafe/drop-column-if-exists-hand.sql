-- expect: dropping-column
ALTER TABLE orders DROP COLUMN IF EXISTS legacy_ref;
