-- expect: none
ALTER TABLE posts ADD COLUMN category_id integer REFERENCES categories (id);
