-- expect: reindexing-non-concurrently
-- The bloat report says the indexes of orders are 3x their size.
REINDEX TABLE orders;
