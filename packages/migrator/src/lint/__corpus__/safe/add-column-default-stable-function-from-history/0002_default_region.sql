CREATE FUNCTION default_region() RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT current_setting('app.region', true) $$;
