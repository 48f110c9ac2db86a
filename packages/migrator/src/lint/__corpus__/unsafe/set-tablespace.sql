-- expect: setting-tablespace
ALTER TABLE "events" SET TABLESPACE "archive";
