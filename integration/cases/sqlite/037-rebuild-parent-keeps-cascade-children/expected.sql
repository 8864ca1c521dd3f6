CREATE TABLE "_schemahero_rebuild_orgs" (
  "id" integer,
  "name" text NOT NULL DEFAULT 'unnamed',
  PRIMARY KEY ("id")
);
-- hazard TABLE_REWRITE: rebuilds table orgs (changes column name): copies every row
-- hazard MAY_FAIL: fails if existing rows break a new constraint
INSERT INTO "_schemahero_rebuild_orgs" ("id", "name") SELECT "id", coalesce("name", 'unnamed') FROM "orgs";
DROP TABLE "orgs";
ALTER TABLE "_schemahero_rebuild_orgs" RENAME TO "orgs";
