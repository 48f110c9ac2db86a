-- expect: none
GRANT USAGE ON SCHEMA "auth" TO "app_readonly";
--> statement-breakpoint
GRANT SELECT ON ALL TABLES IN SCHEMA "auth" TO "app_readonly";
--> statement-breakpoint
REVOKE INSERT ON "orders" FROM "reporting";
