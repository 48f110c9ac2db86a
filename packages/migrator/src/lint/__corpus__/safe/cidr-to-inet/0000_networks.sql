CREATE TABLE allowed_networks (id serial PRIMARY KEY, network cidr NOT NULL);
