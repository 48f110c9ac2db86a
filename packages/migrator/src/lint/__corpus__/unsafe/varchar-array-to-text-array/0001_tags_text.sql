-- expect: changing-column-type
-- history: 0000_init-arrays.sql
-- varchar -> text is binary-coercible, but varchar[] -> text[] is an array coercion: the table is rewritten.
ALTER TABLE "posts" ALTER COLUMN "tags" SET DATA TYPE text[];
