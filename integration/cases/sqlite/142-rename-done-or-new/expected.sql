CREATE TABLE "ledgers" (
  "id" integer,
  "total" numeric(10,2),
  PRIMARY KEY ("id")
);
