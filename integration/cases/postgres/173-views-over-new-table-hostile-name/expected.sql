CREATE TABLE "orders" (
  "id" integer NOT NULL,
  "total" numeric(10,2),
  PRIMARY KEY ("id")
);
CREATE VIEW "public"."v""; DROP TABLE orders; --" AS
SELECT id, total FROM orders WHERE total > 10;
