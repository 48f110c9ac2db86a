-- expect: none
-- history: 0000_init.sql, 0001_orders.sql
-- source: https://www.postgresql.org/docs/current/explicit-locking.html (CREATE TRIGGER takes SHARE ROW EXCLUSIVE: writes wait only for the catalog change, nothing is scanned)
CREATE FUNCTION orders_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.placed_at := coalesce(NEW.placed_at, now());
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER orders_touch BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION orders_touch();
