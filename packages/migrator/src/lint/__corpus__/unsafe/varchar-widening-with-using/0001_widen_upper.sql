-- expect: changing-column-type
ALTER TABLE products ALTER COLUMN sku TYPE varchar(100) USING upper(sku);
