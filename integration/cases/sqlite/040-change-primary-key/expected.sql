CREATE TABLE "_schemahero_rebuild_links" (
  "src" integer NOT NULL,
  "dst" integer NOT NULL,
  PRIMARY KEY ("src", "dst")
);
-- hazard TABLE_REWRITE: rebuilds table links (drops column(s) id; changes the primary key): copies every row
-- hazard MAY_FAIL: fails if existing rows break a new constraint
INSERT INTO "_schemahero_rebuild_links" ("src", "dst") SELECT "src", "dst" FROM "links";
-- hazard DELETES_DATA: the data of column(s) id is not copied (2 rows)
DROP TABLE "links";
ALTER TABLE "_schemahero_rebuild_links" RENAME TO "links";
CREATE INDEX "idx_links_dst" ON "links" ("dst");
