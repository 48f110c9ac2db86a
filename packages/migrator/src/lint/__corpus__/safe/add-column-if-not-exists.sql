-- expect: none
ALTER TABLE orders ADD COLUMN IF NOT EXISTS gift_note text;
