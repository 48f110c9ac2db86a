-- expect: creating-index-non-concurrently
CREATE UNIQUE INDEX users_email_lower_idx ON auth.users (lower(email));
