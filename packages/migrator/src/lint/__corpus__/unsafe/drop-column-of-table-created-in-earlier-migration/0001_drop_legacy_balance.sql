-- expect: dropping-column
ALTER TABLE "wallets" DROP COLUMN "legacy_balance";
