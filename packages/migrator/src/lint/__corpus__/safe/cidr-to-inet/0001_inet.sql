-- expect: none
ALTER TABLE allowed_networks ALTER COLUMN network TYPE inet;
