ALTER TABLE "orders" DROP CONSTRAINT "code_upper";
ALTER TABLE "orders" DROP CONSTRAINT "total_small";
ALTER TABLE "orders" ADD CONSTRAINT "total_small" CHECK (total < 1000) NOT VALID;
-- hazard MAY_FAIL: fails if existing rows violate check total_small
ALTER TABLE "orders" VALIDATE CONSTRAINT "total_small";
COMMENT ON CONSTRAINT "total_small" ON "orders" IS 'schemahero check: total < 1000';
ALTER TABLE "orders" ADD CONSTRAINT "code_short" CHECK (length(code) <= 3) NOT VALID;
-- hazard MAY_FAIL: fails if existing rows violate check code_short
ALTER TABLE "orders" VALIDATE CONSTRAINT "code_short";
COMMENT ON CONSTRAINT "code_short" ON "orders" IS 'schemahero check: length(code) <= 3';
