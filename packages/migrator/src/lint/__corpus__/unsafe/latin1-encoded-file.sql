-- expect: unreadable-file
INSERT INTO "countries" ("code", "name") VALUES ('CI', 'Côte d''Ivoire');
