-- expect: invalid-ignore, dropping-column
-- sdk-lint-ignore ban-drop-column: the app stopped reading it in v2.3
ALTER TABLE "orders" DROP COLUMN "legacy_ref";
