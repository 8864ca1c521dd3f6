CREATE TABLE "c" (
  "id" integer,
  PRIMARY KEY ("id")
);
ALTER TABLE "a" ADD COLUMN "note" text;
CREATE TABLE "_schemahero_rebuild_b" (
  "id" integer,
  "why" text,
  PRIMARY KEY ("id")
);
-- hazard TABLE_REWRITE: rebuilds table b (drops column(s) x): copies every row
-- hazard MAY_FAIL: fails if existing rows break a new constraint
INSERT INTO "_schemahero_rebuild_b" ("id", "why") SELECT "id", "why" FROM "b";
-- hazard DELETES_DATA: the data of column(s) x is not copied (1 row)
DROP TABLE "b";
ALTER TABLE "_schemahero_rebuild_b" RENAME TO "b";
