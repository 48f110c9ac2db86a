-- expect: none
CREATE SCHEMA IF NOT EXISTS "billing";
--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS "pgcrypto";
--> statement-breakpoint
CREATE TYPE "billing"."plan" AS ENUM('free', 'pro', 'enterprise');
--> statement-breakpoint
CREATE SEQUENCE "billing"."invoice_number_seq" START WITH 1000;
