-- expect: enum-value-in-transaction
-- pg-version: 11
ALTER TYPE "public"."order_status" ADD VALUE 'returned';
