-- expect: none
-- history: 0000_init.sql
-- source: https://www.postgresql.org/docs/current/ddl-rowsecurity.html (a permissive policy that lets every row through keeps today's behaviour once row level security is enabled)
CREATE POLICY "users_allow_all" ON "auth"."users" FOR ALL USING (true) WITH CHECK (true);
--> statement-breakpoint
ALTER TABLE "auth"."users" ENABLE ROW LEVEL SECURITY;
