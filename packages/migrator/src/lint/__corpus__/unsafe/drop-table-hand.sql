-- expect: dropping-table
DROP TABLE IF EXISTS password_resets;
