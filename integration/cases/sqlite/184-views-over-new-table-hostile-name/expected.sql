CREATE TABLE "orders" (
  "id" integer,
  "total" real,
  PRIMARY KEY ("id")
);
CREATE VIEW "v""; DROP TABLE orders; --" AS
SELECT id, total FROM orders WHERE total > 10;
