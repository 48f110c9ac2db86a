-- expect: enum-value-in-transaction
-- pg-version: 11
-- history: 0000_types.sql
ALTER TYPE "public"."order_status" ADD VALUE 'returned';
