CREATE TABLE "logs" (
	"id" bigint NOT NULL,
	"logged_at" timestamp with time zone NOT NULL
) PARTITION BY RANGE ("logged_at");
--> statement-breakpoint
CREATE TABLE "logs_2023" PARTITION OF "logs" FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
