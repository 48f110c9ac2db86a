ALTER TABLE "measurements_2024" VALIDATE CONSTRAINT "measurements_2024_bound";
