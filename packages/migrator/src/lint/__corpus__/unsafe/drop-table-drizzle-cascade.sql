-- expect: dropping-table, drop-cascade
DROP TABLE "sessions" CASCADE;
