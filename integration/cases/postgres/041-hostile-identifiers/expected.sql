CREATE TABLE "My ""Table"" ünï" (
  "Id" integer NOT NULL,
  "order_select" integer,
  "from" text NOT NULL,
  PRIMARY KEY ("Id")
);
ALTER TABLE "order" ADD COLUMN "café" text DEFAULT 'crème brûlée';
ALTER TABLE "order" ADD COLUMN "with space" integer;
ALTER TABLE "order" ADD COLUMN "has ""quotes""" text;
ALTER TABLE "order" ADD COLUMN "user" text;
-- hazard INDEX_BUILD: builds an index; writes to the table block meanwhile
CREATE INDEX "idx_order_MixedCase_café" ON "order" ("MixedCase", "café");
CREATE UNIQUE INDEX "idx_My ""Table"" ünï_from" ON "My ""Table"" ünï" ("from");
ALTER TABLE "My ""Table"" ünï" ADD CONSTRAINT "My ""Table"" ünï_order_select_fkey" FOREIGN KEY ("order_select") REFERENCES "order" ("select");
