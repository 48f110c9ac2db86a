-- expect: none
-- pg-version: 12
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'returned';
