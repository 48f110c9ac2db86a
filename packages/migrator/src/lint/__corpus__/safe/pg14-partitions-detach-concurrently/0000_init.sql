CREATE TABLE "readings" ("sensor_id" integer NOT NULL, "read_at" timestamp with time zone NOT NULL) PARTITION BY RANGE ("read_at");
--> statement-breakpoint
CREATE TABLE "readings_2023" PARTITION OF "readings" FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
