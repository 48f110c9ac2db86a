-- expect: none
ALTER TABLE subscriptions ADD COLUMN starts_on date NOT NULL DEFAULT CURRENT_DATE;
