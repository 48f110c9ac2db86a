-- expect: invalid-phase-comment, dropping-column (error)
-- sdk:phase contarct
ALTER TABLE "orders" DROP COLUMN "legacy_ref";
