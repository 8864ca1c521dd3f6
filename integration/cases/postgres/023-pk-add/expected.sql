-- hazard LONG_LOCK: scans the whole table under an exclusive lock
-- hazard MAY_FAIL: fails if code holds NULLs
ALTER TABLE "skus" ALTER COLUMN "code" SET NOT NULL;
-- hazard INDEX_BUILD: builds a unique index; writes block meanwhile
-- hazard MAY_FAIL: fails on duplicate or NULL keys
ALTER TABLE "skus" ADD CONSTRAINT "skus_pkey" PRIMARY KEY ("code");
