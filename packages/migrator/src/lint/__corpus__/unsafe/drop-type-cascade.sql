-- expect: drop-cascade
DROP TYPE "public"."order_priority" CASCADE;
