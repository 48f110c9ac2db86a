-- expect: renaming-column
ALTER TABLE "posts" RENAME COLUMN "body" TO "content";
