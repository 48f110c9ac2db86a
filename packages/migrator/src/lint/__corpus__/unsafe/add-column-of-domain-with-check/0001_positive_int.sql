CREATE DOMAIN "public"."positive_int" AS integer CHECK (VALUE > 0);
