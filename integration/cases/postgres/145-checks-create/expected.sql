CREATE TABLE "products" (
  "id" integer NOT NULL,
  "price" numeric(10,2),
  "status" text,
  PRIMARY KEY ("id"),
  CONSTRAINT "price_positive" CHECK (price > 0),
  CONSTRAINT "status_known" CHECK (status IN ('draft', 'live') OR status IS NULL)
);
COMMENT ON CONSTRAINT "price_positive" ON "products" IS 'schemahero check: price > 0';
COMMENT ON CONSTRAINT "status_known" ON "products" IS 'schemahero check: status IN (''draft'', ''live'') OR status IS NULL';
