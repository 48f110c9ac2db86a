CREATE TABLE legacy_imports (id integer, payload jsonb);
