CREATE TABLE invoices (id serial PRIMARY KEY, amount numeric(10, 2));
