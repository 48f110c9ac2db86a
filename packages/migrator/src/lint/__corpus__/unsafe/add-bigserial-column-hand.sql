-- expect: adding-serial-column
ALTER TABLE events ADD COLUMN seq bigserial;
