-- expect: none
CREATE TABLE "line_items" (
	"order_id" integer NOT NULL,
	"price" numeric(10, 2) NOT NULL,
	"quantity" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "line_items" ADD COLUMN "id" bigserial PRIMARY KEY;
--> statement-breakpoint
ALTER TABLE "line_items" ADD COLUMN "subtotal" numeric(12, 2) GENERATED ALWAYS AS ("price" * "quantity") STORED;
--> statement-breakpoint
ALTER TABLE "line_items" ADD COLUMN "token" uuid DEFAULT gen_random_uuid() NOT NULL;
