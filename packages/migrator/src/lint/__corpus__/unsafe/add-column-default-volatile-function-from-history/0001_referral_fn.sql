CREATE FUNCTION make_referral_code() RETURNS text
LANGUAGE sql VOLATILE
AS $$ SELECT upper(substr(md5(random()::text), 1, 8)) $$;
