CREATE POLICY "users_allow_all" ON "auth"."users" FOR ALL USING (true) WITH CHECK (true);
