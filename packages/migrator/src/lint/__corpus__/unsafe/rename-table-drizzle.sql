-- expect: renaming-table
ALTER TABLE "user_profiles" RENAME TO "profiles";
