-- expect: changing-column-type
-- history: 0000_init-arrays.sql
-- An array's typmod change goes through ArrayCoerceExpr, which ATColumnChangeRequiresRewrite never treats as a no-op: the table is rewritten.
ALTER TABLE "posts" ALTER COLUMN "tags" SET DATA TYPE varchar(40)[];
