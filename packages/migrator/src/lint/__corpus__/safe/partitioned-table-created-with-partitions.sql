-- expect: none
CREATE TABLE page_views (
  viewed_at timestamptz NOT NULL,
  path text NOT NULL
) PARTITION BY RANGE (viewed_at);
CREATE TABLE page_views_2025 PARTITION OF page_views FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE INDEX page_views_viewed_at_idx ON page_views (viewed_at);
