CREATE TABLE "events_2025" (LIKE "events" INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
--> statement-breakpoint
ALTER TABLE "events_2025" ADD CONSTRAINT "events_2025_bound" CHECK ("occurred_at" >= '2025-01-01' AND "occurred_at" < '2026-01-01');
