-- expect: none
-- sdk-lint-ignore creating-index-non-concurrently: feature_flags has a dozen rows
CREATE INDEX "feature_flags_enabled_idx" ON "feature_flags" USING btree ("enabled");
