-- expect: changing-column-type
ALTER TABLE products ALTER COLUMN price TYPE integer USING price::integer;
