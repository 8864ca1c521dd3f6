CREATE TABLE "products" (
  "id" integer,
  "price" numeric(10,2),
  "status" text,
  PRIMARY KEY ("id"),
  CONSTRAINT "price_positive" CHECK (price > 0),
  CONSTRAINT "status_known" CHECK (status IN ('draft', 'live') OR status IS NULL)
);
