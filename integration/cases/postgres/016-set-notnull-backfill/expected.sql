ALTER TABLE "profiles" ALTER COLUMN "country" SET DEFAULT 'unknown';
-- hazard UPDATES_ROWS: fills NULLs in country with the default
UPDATE "profiles" SET "country" = 'unknown' WHERE "country" IS NULL;
ALTER TABLE "profiles" ADD CONSTRAINT "schemahero_not_null_country" CHECK ("country" IS NOT NULL) NOT VALID;
ALTER TABLE "profiles" VALIDATE CONSTRAINT "schemahero_not_null_country";
ALTER TABLE "profiles" ALTER COLUMN "country" SET NOT NULL;
ALTER TABLE "profiles" DROP CONSTRAINT "schemahero_not_null_country";
ALTER TABLE "profiles" ALTER COLUMN "visits" SET DEFAULT 0;
-- hazard UPDATES_ROWS: fills NULLs in visits with the default
UPDATE "profiles" SET "visits" = 0 WHERE "visits" IS NULL;
ALTER TABLE "profiles" ADD CONSTRAINT "schemahero_not_null_visits" CHECK ("visits" IS NOT NULL) NOT VALID;
ALTER TABLE "profiles" VALIDATE CONSTRAINT "schemahero_not_null_visits";
ALTER TABLE "profiles" ALTER COLUMN "visits" SET NOT NULL;
ALTER TABLE "profiles" DROP CONSTRAINT "schemahero_not_null_visits";
