-- expect: dropping-schema, drop-cascade
DROP SCHEMA IF EXISTS "legacy" CASCADE;
