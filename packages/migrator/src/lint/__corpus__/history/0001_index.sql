CREATE UNIQUE INDEX CONCURRENTLY legacy_imports_id_idx ON legacy_imports (id);
