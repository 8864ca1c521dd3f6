CREATE TABLE "_schemahero_rebuild_My ""Table""" (
  "group" integer,
  "Col One" text NOT NULL DEFAULT 'none',
  "naïve" text,
  PRIMARY KEY ("group")
);
-- hazard TABLE_REWRITE: rebuilds table My "Table" (drops column(s) drop me; changes column Col One): copies every row
-- hazard MAY_FAIL: fails if existing rows break a new constraint
INSERT INTO "_schemahero_rebuild_My ""Table""" ("group", "Col One", "naïve") SELECT "group", coalesce("Col One", 'none'), "naïve" FROM "My ""Table""";
-- hazard DELETES_DATA: the data of column(s) drop me is not copied (2 rows)
DROP TABLE "My ""Table""";
ALTER TABLE "_schemahero_rebuild_My ""Table""" RENAME TO "My ""Table""";
CREATE INDEX "ix on ""Col One""" ON "My ""Table""" ("Col One");
