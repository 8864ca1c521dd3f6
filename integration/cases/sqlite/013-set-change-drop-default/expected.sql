CREATE TABLE "_schemahero_rebuild_settings" (
  "id" integer,
  "a" text DEFAULT 'hello',
  "b" integer DEFAULT 2,
  "c" text,
  PRIMARY KEY ("id")
);
-- hazard TABLE_REWRITE: rebuilds table settings (changes column a; changes column b; changes column c): copies every row
-- hazard MAY_FAIL: fails if existing rows break a new constraint
INSERT INTO "_schemahero_rebuild_settings" ("id", "a", "b", "c") SELECT "id", "a", "b", "c" FROM "settings";
DROP TABLE "settings";
ALTER TABLE "_schemahero_rebuild_settings" RENAME TO "settings";
