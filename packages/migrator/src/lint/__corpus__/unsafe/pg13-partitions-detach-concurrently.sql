-- expect: unsupported-in-version
-- pg-version: 13
-- source: https://www.postgresql.org/docs/14/release-14.html (DETACH PARTITION ... CONCURRENTLY is new in PostgreSQL 14: on 13 it is a syntax error)
ALTER TABLE "readings" DETACH PARTITION "readings_2023" CONCURRENTLY;
