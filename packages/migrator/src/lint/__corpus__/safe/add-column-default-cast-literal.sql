-- expect: none
ALTER TABLE "subscriptions" ADD COLUMN "renews_on" date DEFAULT '2025-01-01'::date NOT NULL;
