-- expect: adding-serial-column, adding-unique-constraint
ALTER TABLE legacy_imports ADD COLUMN id bigserial PRIMARY KEY;
