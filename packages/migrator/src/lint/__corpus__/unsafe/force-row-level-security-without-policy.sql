-- expect: enabling-row-level-security
-- history: 0000_init.sql
-- source: https://www.postgresql.org/docs/current/ddl-rowsecurity.html (FORCE ROW LEVEL SECURITY subjects the table's owner to row security too; with no policy, the default deny leaves it no rows)
ALTER TABLE "auth"."users" ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
