ALTER TABLE "jobs" ALTER COLUMN "state" DROP DEFAULT;
-- hazard TABLE_REWRITE: changes state from text to status: rewrites the table under an exclusive lock
-- hazard MAY_FAIL: fails if an existing value does not convert
ALTER TABLE "jobs" ALTER COLUMN "state" TYPE status USING "state"::status;
ALTER TABLE "jobs" ALTER COLUMN "state" SET DEFAULT 'new'::status;
