-- expect: dropping-schema
DROP SCHEMA "legacy";
