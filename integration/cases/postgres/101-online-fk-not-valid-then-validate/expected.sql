CREATE TABLE "invoices" (
  "id" integer NOT NULL,
  "order_id" integer,
  PRIMARY KEY ("id")
);
ALTER TABLE "orders" ADD CONSTRAINT "orders_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers" ("id") ON DELETE CASCADE NOT VALID;
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders" ("id");
-- hazard MAY_FAIL: fails if existing rows reference missing keys; the constraint then stays NOT VALID and the next plan validates it again
ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_customer_id_fkey";
