-- expect: dropping-index-non-concurrently
DROP INDEX IF EXISTS public.orders_open_idx;
