CREATE TYPE "public"."order_status" AS ENUM('pending', 'paid', 'shipped');
