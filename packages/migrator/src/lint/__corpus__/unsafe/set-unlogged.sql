-- expect: setting-logged-unlogged
ALTER TABLE "page_views" SET UNLOGGED;
