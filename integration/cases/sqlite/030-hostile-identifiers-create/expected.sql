CREATE TABLE "order" (
  "select" integer,
  "has ""quotes""" text,
  "with space" text DEFAULT 'a ''b'' c',
  "MixedCase" integer,
  "größe" real,
  PRIMARY KEY ("select")
);
CREATE INDEX "idx_order_has ""quotes""_with space" ON "order" ("has ""quotes""", "with space");
CREATE UNIQUE INDEX "ix ""weird"" name" ON "order" ("MixedCase");
