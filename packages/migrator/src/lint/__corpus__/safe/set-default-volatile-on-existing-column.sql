-- expect: none
ALTER TABLE "orders" ALTER COLUMN "public_id" SET DEFAULT gen_random_uuid();
