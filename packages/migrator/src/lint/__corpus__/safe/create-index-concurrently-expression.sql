-- expect: none
CREATE INDEX CONCURRENTLY users_email_lower_idx ON auth.users (lower(email));
