-- expect: none
INSERT INTO email_templates (name, body) VALUES ('maintenance', $body$
We will ALTER TABLE orders ADD COLUMN x int NOT NULL; and DROP TABLE sessions; tonight.
$body$);
