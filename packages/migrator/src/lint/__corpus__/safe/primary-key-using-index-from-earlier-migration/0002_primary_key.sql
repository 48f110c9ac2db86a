-- expect: none
-- history: 0001_index.sql
ALTER TABLE legacy_imports ADD CONSTRAINT legacy_imports_pkey PRIMARY KEY USING INDEX legacy_imports_id_idx;
