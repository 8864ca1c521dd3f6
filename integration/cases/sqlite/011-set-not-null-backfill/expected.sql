CREATE TABLE "_schemahero_rebuild_users" (
  "id" integer,
  "status" text NOT NULL DEFAULT 'active',
  PRIMARY KEY ("id")
);
-- hazard TABLE_REWRITE: rebuilds table users (changes column status): copies every row
-- hazard MAY_FAIL: fails if existing rows break a new constraint
INSERT INTO "_schemahero_rebuild_users" ("id", "status") SELECT "id", coalesce("status", 'active') FROM "users";
DROP TABLE "users";
ALTER TABLE "_schemahero_rebuild_users" RENAME TO "users";
