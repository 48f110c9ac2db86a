-- expect: none
-- history: 0000_create.sql
ALTER TABLE products ALTER COLUMN sku TYPE varchar(100);
