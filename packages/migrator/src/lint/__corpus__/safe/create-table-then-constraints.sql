-- expect: none
CREATE TABLE "coupons" (
	"id" serial PRIMARY KEY NOT NULL,
	"code" varchar(32) NOT NULL,
	"percent_off" integer
);
--> statement-breakpoint
ALTER TABLE "coupons" ADD CONSTRAINT "coupons_code_unique" UNIQUE("code");
--> statement-breakpoint
ALTER TABLE "coupons" ADD CONSTRAINT "coupons_percent_off_check" CHECK ("coupons"."percent_off" BETWEEN 1 AND 100);
