CREATE TABLE "_schemahero_rebuild_categories" (
  "id" integer,
  "parent_id" integer,
  "name" text NOT NULL,
  PRIMARY KEY ("id"),
  FOREIGN KEY ("parent_id") REFERENCES "categories" ("id") ON DELETE CASCADE
);
-- hazard TABLE_REWRITE: rebuilds table categories (changes foreign keys): copies every row
-- hazard MAY_FAIL: fails if existing rows break a new constraint
INSERT INTO "_schemahero_rebuild_categories" ("id", "parent_id", "name") SELECT "id", "parent_id", "name" FROM "categories";
DROP TABLE "categories";
ALTER TABLE "_schemahero_rebuild_categories" RENAME TO "categories";
