-- expect: syntax-error
ALTER TABEL orders ADD COLUMN gift_note text;
