-- expect: enabling-row-level-security
-- history: 0000_init.sql
-- source: https://www.postgresql.org/docs/current/ddl-rowsecurity.html ("If no policy exists for the table, a default-deny policy is used": every role but the owner sees no rows of auth.users)
ALTER TABLE "auth"."users" ENABLE ROW LEVEL SECURITY;
