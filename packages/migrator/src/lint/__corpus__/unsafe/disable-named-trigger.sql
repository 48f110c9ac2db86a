-- expect: disabling-triggers
ALTER TABLE "orders" DISABLE TRIGGER "orders_audit";
