CREATE TABLE "invoices" (
  "id" bigint NOT NULL DEFAULT nextval('invoice_numbers'),
  "amount" numeric(12,2),
  PRIMARY KEY ("id")
);
