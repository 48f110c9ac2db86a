-- expect: unnamed-concurrent-index
CREATE UNIQUE INDEX CONCURRENTLY ON auth.users (lower(email)) WHERE status <> 'deleted';
