CREATE TABLE products (id serial PRIMARY KEY, sku varchar(50) NOT NULL, name text);
