CREATE TABLE "measurements" (
	"sensor_id" integer NOT NULL,
	"taken_at" timestamp with time zone NOT NULL,
	"value" double precision
) PARTITION BY RANGE ("taken_at");
--> statement-breakpoint
CREATE TABLE "measurements_2024" (
	"sensor_id" integer NOT NULL,
	"taken_at" timestamp with time zone NOT NULL,
	"value" double precision
);
