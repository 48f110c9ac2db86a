-- expect: adding-volatile-default
ALTER TABLE experiments ADD COLUMN bucket double precision NOT NULL DEFAULT random();
