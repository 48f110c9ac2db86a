-- expect: none
-- sdk:phase contract
-- sdk-lint-ignore dropping-column: v2.3 stopped reading legacy_ref, deployed everywhere on 2024-05-02
ALTER TABLE "orders" DROP COLUMN "legacy_ref";
