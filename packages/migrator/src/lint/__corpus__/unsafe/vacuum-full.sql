-- expect: vacuum-full
VACUUM FULL "public"."events";
