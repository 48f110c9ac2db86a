-- expect: none
-- This migration used to DROP TABLE "sessions"; we now keep it.
-- TODO(contract): ALTER TABLE "orders" DROP COLUMN "legacy_ref" once v2.4 is everywhere.
/* Old plan:
   UPDATE orders SET status = 'x';
   TRUNCATE sessions;
   CREATE INDEX orders_x ON orders (x);
*/
ALTER TABLE "orders" ADD COLUMN "gift_wrap" boolean DEFAULT false NOT NULL;
