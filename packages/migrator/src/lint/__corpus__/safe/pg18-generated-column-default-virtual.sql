-- expect: none
ALTER TABLE customers ADD COLUMN email_domain text GENERATED ALWAYS AS (split_part(email, '@', 2));
