CREATE TABLE "_schemahero_rebuild_users" (
  "id" integer,
  "email" text,
  PRIMARY KEY ("id")
);
-- hazard TABLE_REWRITE: rebuilds table users (changes column email): copies every row
-- hazard MAY_FAIL: fails if existing rows break a new constraint
INSERT INTO "_schemahero_rebuild_users" ("id", "email") SELECT "id", "email" FROM "users";
DROP TABLE "users";
ALTER TABLE "_schemahero_rebuild_users" RENAME TO "users";
