-- expect: none
COMMENT ON TABLE "auth"."users" IS 'Accounts; see docs/auth.md';
