-- expect: none
CREATE TABLE "UserEvents" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"userId" uuid NOT NULL,
	"kind" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "UserEvents_userId_idx" ON "UserEvents" USING btree ("userId");
--> statement-breakpoint
ALTER TABLE "UserEvents" ALTER COLUMN "kind" SET DATA TYPE varchar(40);
