ALTER TABLE "people" RENAME TO "customers";
ALTER TABLE "customers" RENAME COLUMN "full_name" TO "name";
ALTER TABLE "customers" ADD CONSTRAINT "schemahero_not_null_name" CHECK ("name" IS NOT NULL) NOT VALID;
-- hazard MAY_FAIL: fails if name holds NULLs; the check then stays NOT VALID and the next plan validates it again
ALTER TABLE "customers" VALIDATE CONSTRAINT "schemahero_not_null_name";
ALTER TABLE "customers" ALTER COLUMN "name" SET NOT NULL;
ALTER TABLE "customers" DROP CONSTRAINT "schemahero_not_null_name";
ALTER TABLE "customers" ADD COLUMN "since" date;
