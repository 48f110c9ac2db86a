-- expect: none
INSERT INTO "feature_flags" ("name", "enabled") VALUES ('new_checkout', false) ON CONFLICT ("name") DO NOTHING;
