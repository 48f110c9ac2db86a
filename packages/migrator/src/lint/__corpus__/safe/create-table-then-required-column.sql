-- expect: none
CREATE TABLE "wallets" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL
);
--> statement-breakpoint
ALTER TABLE "wallets" ADD COLUMN "balance_cents" bigint NOT NULL;
--> statement-breakpoint
ALTER TABLE "wallets" ADD COLUMN "currency" char(3);
--> statement-breakpoint
ALTER TABLE "wallets" ALTER COLUMN "currency" SET NOT NULL;
