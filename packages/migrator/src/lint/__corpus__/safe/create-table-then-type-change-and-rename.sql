-- expect: none
CREATE TABLE shipments (
  id serial PRIMARY KEY,
  tracking varchar(20),
  carrier text
);
ALTER TABLE shipments ALTER COLUMN id TYPE bigint;
ALTER TABLE shipments ALTER COLUMN tracking TYPE varchar(10);
ALTER TABLE shipments RENAME COLUMN carrier TO carrier_code;
