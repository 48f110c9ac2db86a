-- expect: disabling-triggers
ALTER TABLE "orders" DISABLE TRIGGER ALL;
