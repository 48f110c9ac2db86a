-- expect: none
ALTER TABLE "notes" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "notes_owner" ON "notes" AS PERMISSIVE FOR ALL TO public USING ("notes"."owner_id" = current_setting('app.user_id')::uuid);
