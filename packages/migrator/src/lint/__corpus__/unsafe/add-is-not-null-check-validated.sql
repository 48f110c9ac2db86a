-- expect: adding-check-constraint
ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL);
