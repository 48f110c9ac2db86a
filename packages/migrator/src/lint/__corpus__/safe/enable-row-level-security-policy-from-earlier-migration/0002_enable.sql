-- expect: none
-- history: 0000_init.sql
-- source: https://www.postgresql.org/docs/current/ddl-rowsecurity.html (0001_policy.sql created a policy on auth.users, so enabling row level security applies it instead of the default deny)
ALTER TABLE "auth"."users" ENABLE ROW LEVEL SECURITY;
