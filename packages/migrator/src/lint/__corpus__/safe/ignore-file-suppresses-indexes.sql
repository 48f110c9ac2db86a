-- expect: none
-- sdk-lint-ignore-file creating-index-non-concurrently: lookup tables with under 100 rows
CREATE INDEX countries_name_idx ON countries (name);
CREATE INDEX currencies_code_idx ON currencies (code);
