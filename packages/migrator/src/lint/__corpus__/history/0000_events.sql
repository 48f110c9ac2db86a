CREATE TABLE "events" (
	"id" bigint NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"payload" jsonb
) PARTITION BY RANGE ("occurred_at");
--> statement-breakpoint
CREATE TABLE "events_default" PARTITION OF "events" DEFAULT;
--> statement-breakpoint
CREATE TABLE "events_2024" PARTITION OF "events" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
