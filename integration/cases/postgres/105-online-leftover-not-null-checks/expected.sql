ALTER TABLE "readings" DROP CONSTRAINT "schemahero_not_null_c";
-- hazard MAY_FAIL: fails if a holds NULLs; the check then stays NOT VALID and the next plan validates it again
ALTER TABLE "readings" VALIDATE CONSTRAINT "schemahero_not_null_a";
ALTER TABLE "readings" ALTER COLUMN "a" SET NOT NULL;
ALTER TABLE "readings" DROP CONSTRAINT "schemahero_not_null_a";
ALTER TABLE "readings" ALTER COLUMN "b" SET NOT NULL;
ALTER TABLE "readings" DROP CONSTRAINT "schemahero_not_null_b";
