-- expect: none
-- history: 0000_types.sql
ALTER TYPE "public"."order_status" ADD VALUE 'refunded';
