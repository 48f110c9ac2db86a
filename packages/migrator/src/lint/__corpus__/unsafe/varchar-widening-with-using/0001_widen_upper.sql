-- expect: changing-column-type
-- history: 0000_create.sql
ALTER TABLE products ALTER COLUMN sku TYPE varchar(100) USING upper(sku);
