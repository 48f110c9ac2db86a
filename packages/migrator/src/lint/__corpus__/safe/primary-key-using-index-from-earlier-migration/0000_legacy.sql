CREATE TABLE legacy_imports (id integer NOT NULL, payload jsonb);
