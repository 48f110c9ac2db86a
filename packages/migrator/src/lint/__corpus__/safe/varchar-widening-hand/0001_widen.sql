-- expect: none
ALTER TABLE products ALTER COLUMN sku TYPE varchar(100);
