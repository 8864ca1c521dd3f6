ALTER TABLE "people" RENAME TO "customers";
ALTER TABLE "customers" RENAME COLUMN "full_name" TO "name";
-- hazard LONG_LOCK: scans the whole table under an exclusive lock
-- hazard MAY_FAIL: fails if name holds NULLs
ALTER TABLE "customers" ALTER COLUMN "name" SET NOT NULL;
ALTER TABLE "customers" ADD COLUMN "since" date;
