-- expect: refreshing-materialized-view
CREATE TABLE "orders_archive" ("id" bigint PRIMARY KEY NOT NULL, "status" varchar(20) NOT NULL);
--> statement-breakpoint
CREATE MATERIALIZED VIEW "order_counts" AS (SELECT "status", count(*) AS "n" FROM "orders_archive" GROUP BY "status") WITH NO DATA;
--> statement-breakpoint
CREATE UNIQUE INDEX "order_counts_status_idx" ON "order_counts" USING btree ("status");
--> statement-breakpoint
REFRESH MATERIALIZED VIEW CONCURRENTLY "order_counts";
