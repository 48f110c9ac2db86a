-- expect: none
-- A USING that is just the column (or the column cast to the new type) is what PostgreSQL uses anyway:
-- the widening keeps the rows (relfilenode unchanged).
ALTER TABLE products ALTER COLUMN sku TYPE varchar(100) USING sku;
ALTER TABLE products ALTER COLUMN name TYPE varchar(200) USING name::varchar(200);
