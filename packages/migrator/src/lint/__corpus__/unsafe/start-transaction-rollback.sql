-- expect: transaction-control
START TRANSACTION;
INSERT INTO feature_flags (name, enabled) VALUES ('new_checkout', false);
COMMIT;
