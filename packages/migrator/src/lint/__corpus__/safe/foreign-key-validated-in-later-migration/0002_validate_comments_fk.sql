-- expect: none
ALTER TABLE "comments" VALIDATE CONSTRAINT "comments_post_id_fk";
