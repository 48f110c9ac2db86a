-- expect: adding-serial-column
-- source: https://kaveland.no/eugene/hints/E11/ (a new serial column is filled from its sequence for every existing row: the table is rewritten under ACCESS EXCLUSIVE)
ALTER TABLE "prices" ADD COLUMN "id" serial;
