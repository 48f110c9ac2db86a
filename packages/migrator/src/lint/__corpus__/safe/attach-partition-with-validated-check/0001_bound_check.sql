ALTER TABLE "measurements_2024" ADD CONSTRAINT "measurements_2024_bound" CHECK ("taken_at" >= '2024-01-01' AND "taken_at" < '2025-01-01') NOT VALID;
