CREATE TABLE "_schemahero_rebuild_orders" (
  "id" integer,
  "qty" integer,
  "total" numeric(10,2),
  "code" text,
  PRIMARY KEY ("id"),
  CONSTRAINT "qty_positive" CHECK (qty>0),
  CONSTRAINT "total_small" CHECK (total < 1000),
  CONSTRAINT "code_short" CHECK (length(code) <= 3)
);
-- hazard TABLE_REWRITE: rebuilds table orders (changes CHECK constraints): copies every row
-- hazard MAY_FAIL: fails if existing rows break a new constraint
INSERT INTO "_schemahero_rebuild_orders" ("id", "qty", "total", "code") SELECT "id", "qty", "total", "code" FROM "orders";
DROP TABLE "orders";
ALTER TABLE "_schemahero_rebuild_orders" RENAME TO "orders";
