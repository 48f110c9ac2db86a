-- expect: clustering-table
-- source: https://www.postgresql.org/docs/current/sql-cluster.html (CLUSTER without a table reclusters every previously clustered table of the database, each rewritten under ACCESS EXCLUSIVE)
CLUSTER;
