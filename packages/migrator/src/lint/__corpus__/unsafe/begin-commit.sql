-- expect: transaction-control
BEGIN;
ALTER TABLE users ADD COLUMN bio text;
COMMIT;
