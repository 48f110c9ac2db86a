-- expect: none
ALTER TABLE trials ADD COLUMN ends_at timestamptz NOT NULL DEFAULT now() + interval '14 days';
