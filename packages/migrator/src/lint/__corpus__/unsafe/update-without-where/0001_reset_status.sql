-- expect: unbounded-data-change
UPDATE "auth"."users" SET "status" = 'active';
