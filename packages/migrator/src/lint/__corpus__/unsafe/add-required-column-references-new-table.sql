-- expect: adding-required-column
CREATE TABLE organizations (
  id serial PRIMARY KEY,
  name text NOT NULL
);
ALTER TABLE projects ADD COLUMN organization_id integer NOT NULL REFERENCES organizations (id);
