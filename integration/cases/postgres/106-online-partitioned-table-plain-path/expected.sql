DROP INDEX "idx_measurements_value_old";
ALTER TABLE "measurements" ADD CONSTRAINT "schemahero_not_null_value" CHECK ("value" IS NOT NULL) NOT VALID;
-- hazard MAY_FAIL: fails if value holds NULLs; the check then stays NOT VALID and the next plan validates it again
ALTER TABLE "measurements" VALIDATE CONSTRAINT "schemahero_not_null_value";
ALTER TABLE "measurements" ALTER COLUMN "value" SET NOT NULL;
ALTER TABLE "measurements" DROP CONSTRAINT "schemahero_not_null_value";
-- hazard INDEX_BUILD: builds an index; writes to the table block meanwhile
CREATE INDEX "idx_measurements_device_id" ON "measurements" ("device_id");
-- hazard LONG_LOCK: validates every existing row while holding a lock
-- hazard MAY_FAIL: fails if existing rows reference missing keys
ALTER TABLE "measurements" ADD CONSTRAINT "measurements_device_id_fkey" FOREIGN KEY ("device_id") REFERENCES "devices" ("id");
