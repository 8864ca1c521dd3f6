CREATE TABLE "_schemahero_rebuild_metrics" (
  "id" integer,
  "label" text NOT NULL,
  "value" real,
  PRIMARY KEY ("id")
) STRICT;
-- hazard TABLE_REWRITE: rebuilds table metrics (makes the table STRICT): copies every row
-- hazard MAY_FAIL: fails if existing rows break a new constraint
INSERT INTO "_schemahero_rebuild_metrics" ("id", "label", "value") SELECT "id", "label", "value" FROM "metrics";
DROP TABLE "metrics";
ALTER TABLE "_schemahero_rebuild_metrics" RENAME TO "metrics";
