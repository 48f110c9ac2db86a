-- expect: none
-- pg-version: 11
ALTER TABLE orders ADD COLUMN priority smallint NOT NULL DEFAULT 0;
