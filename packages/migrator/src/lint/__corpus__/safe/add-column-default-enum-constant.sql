-- expect: none
CREATE TYPE "public"."order_priority" AS ENUM('low', 'normal', 'high');
--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "priority" "order_priority" DEFAULT 'normal'::"order_priority" NOT NULL;
