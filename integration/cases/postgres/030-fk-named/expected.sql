CREATE TABLE "payments" (
  "id" integer NOT NULL,
  "customer_id" integer,
  PRIMARY KEY ("id")
);
ALTER TABLE "payments" ADD CONSTRAINT "fk_payment_customer" FOREIGN KEY ("customer_id") REFERENCES "customers" ("id") ON DELETE SET NULL;
