ALTER TABLE "accounts" ADD CONSTRAINT "schemahero_not_null_email" CHECK ("email" IS NOT NULL) NOT VALID;
-- hazard MAY_FAIL: fails if email holds NULLs; the check then stays NOT VALID and the next plan validates it again
ALTER TABLE "accounts" VALIDATE CONSTRAINT "schemahero_not_null_email";
ALTER TABLE "accounts" ALTER COLUMN "email" SET NOT NULL;
ALTER TABLE "accounts" DROP CONSTRAINT "schemahero_not_null_email";
ALTER TABLE "accounts" ADD CONSTRAINT "schemahero_not_null_Region Code" CHECK ("Region Code" IS NOT NULL) NOT VALID;
-- hazard MAY_FAIL: fails if Region Code holds NULLs; the check then stays NOT VALID and the next plan validates it again
ALTER TABLE "accounts" VALIDATE CONSTRAINT "schemahero_not_null_Region Code";
ALTER TABLE "accounts" ALTER COLUMN "Region Code" SET NOT NULL;
ALTER TABLE "accounts" DROP CONSTRAINT "schemahero_not_null_Region Code";
-- hazard LONG_LOCK: scans the whole table under an exclusive lock
-- hazard MAY_FAIL: fails if code holds NULLs
ALTER TABLE "skus" ALTER COLUMN "code" SET NOT NULL;
-- hazard INDEX_BUILD: builds a unique index; writes block meanwhile
-- hazard MAY_FAIL: fails on duplicate or NULL keys
ALTER TABLE "skus" ADD CONSTRAINT "skus_pkey" PRIMARY KEY ("code");
