ALTER TABLE "profiles" ALTER COLUMN "country" SET DEFAULT 'unknown';
-- hazard UPDATES_ROWS: fills NULLs in country with the default
UPDATE "profiles" SET "country" = 'unknown' WHERE "country" IS NULL;
-- hazard LONG_LOCK: scans the whole table under an exclusive lock
ALTER TABLE "profiles" ALTER COLUMN "country" SET NOT NULL;
ALTER TABLE "profiles" ALTER COLUMN "visits" SET DEFAULT 0;
-- hazard UPDATES_ROWS: fills NULLs in visits with the default
UPDATE "profiles" SET "visits" = 0 WHERE "visits" IS NULL;
-- hazard LONG_LOCK: scans the whole table under an exclusive lock
ALTER TABLE "profiles" ALTER COLUMN "visits" SET NOT NULL;
