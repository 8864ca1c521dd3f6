ALTER TABLE "inv" ALTER COLUMN "qty" DROP DEFAULT;
-- hazard TABLE_REWRITE: changes qty from text to integer: rewrites the table under an exclusive lock
-- hazard MAY_FAIL: fails if an existing value does not convert
ALTER TABLE "inv" ALTER COLUMN "qty" TYPE integer USING "qty"::integer;
ALTER TABLE "inv" ALTER COLUMN "qty" SET DEFAULT 0;
