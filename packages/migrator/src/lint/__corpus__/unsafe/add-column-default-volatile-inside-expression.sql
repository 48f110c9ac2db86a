-- expect: adding-volatile-default
ALTER TABLE jobs ADD COLUMN run_after timestamptz NOT NULL DEFAULT now() + random() * interval '1 hour';
