-- expect: setting-not-null
-- history: 0001_index.sql
-- id is nullable: PRIMARY KEY USING INDEX runs SET NOT NULL on it, which scans the table under ACCESS EXCLUSIVE.
ALTER TABLE legacy_imports ADD CONSTRAINT legacy_imports_pkey PRIMARY KEY USING INDEX legacy_imports_id_idx;
