-- expect: attaching-partition
ALTER TABLE events ATTACH PARTITION events_archive FOR VALUES FROM (MINVALUE) TO ('2023-01-01');
