-- expect: setting-schema
-- source: https://github.com/ankane/strong_migrations#renaming-a-schema (every query of the running application that names the schema fails once it is renamed)
-- Ambiguous id: no rule is named for schema renames; setting-schema ("moving an object the running app uses to another schema") is what this does to every object in it.
ALTER SCHEMA "billing" RENAME TO "payments";
