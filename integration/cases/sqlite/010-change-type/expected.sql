CREATE TABLE "_schemahero_rebuild_items" (
  "id" integer,
  "price" real,
  "qty" integer,
  PRIMARY KEY ("id")
);
-- hazard TABLE_REWRITE: rebuilds table items (changes column price): copies every row
-- hazard MAY_FAIL: fails if existing rows break a new constraint
INSERT INTO "_schemahero_rebuild_items" ("id", "price", "qty") SELECT "id", "price", "qty" FROM "items";
DROP TABLE "items";
ALTER TABLE "_schemahero_rebuild_items" RENAME TO "items";
