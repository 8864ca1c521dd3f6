ALTER TABLE "people" RENAME TO "customers";
ALTER TABLE "customers" RENAME COLUMN "full_name" TO "name";
CREATE TABLE "_schemahero_rebuild_customers" (
  "id" integer PRIMARY KEY AUTOINCREMENT,
  "name" text NOT NULL,
  "since" date
);
-- hazard TABLE_REWRITE: rebuilds table customers (changes column name): copies every row
-- hazard MAY_FAIL: fails if existing rows break a new constraint
INSERT INTO "_schemahero_rebuild_customers" ("id", "name") SELECT "id", "name" FROM "customers";
DELETE FROM sqlite_sequence WHERE name = '_schemahero_rebuild_customers';
INSERT INTO sqlite_sequence (name, seq) SELECT '_schemahero_rebuild_customers', seq FROM sqlite_sequence WHERE name = 'customers';
DROP TABLE "customers";
ALTER TABLE "_schemahero_rebuild_customers" RENAME TO "customers";
CREATE INDEX "idx_customers_name" ON "customers" ("name");
