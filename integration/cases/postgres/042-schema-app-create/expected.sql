CREATE TABLE "app"."items" (
  "id" integer NOT NULL,
  "sku" character varying(32) NOT NULL,
  PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "idx_items_sku" ON "app"."items" ("sku");
