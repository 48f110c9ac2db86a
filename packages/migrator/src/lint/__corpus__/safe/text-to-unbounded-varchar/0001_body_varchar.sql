-- expect: none
ALTER TABLE "posts" ALTER COLUMN "body" SET DATA TYPE varchar;
