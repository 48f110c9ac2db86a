-- expect: none
CREATE INDEX "plans_name_idx" ON "plans" ("name"); -- sdk-lint-ignore creating-index-non-concurrently: four rows
