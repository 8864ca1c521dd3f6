CREATE TABLE "ledgers" (
  "id" integer NOT NULL,
  "total" numeric(10,2),
  PRIMARY KEY ("id")
);
