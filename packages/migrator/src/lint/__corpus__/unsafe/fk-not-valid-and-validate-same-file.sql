-- expect: validating-in-same-transaction
ALTER TABLE comments ADD CONSTRAINT comments_author_fk FOREIGN KEY (author_id) REFERENCES users (id) NOT VALID;
ALTER TABLE comments VALIDATE CONSTRAINT comments_author_fk;
