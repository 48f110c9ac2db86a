CREATE TABLE "wallets" (
	"id" serial PRIMARY KEY NOT NULL,
	"legacy_balance" integer
);
