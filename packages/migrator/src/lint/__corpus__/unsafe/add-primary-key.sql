-- expect: adding-unique-constraint
ALTER TABLE legacy_imports ADD PRIMARY KEY (id);
