-- expect: unbounded-data-change
DELETE FROM sessions;
