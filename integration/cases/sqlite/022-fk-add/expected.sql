CREATE TABLE "_schemahero_rebuild_users" (
  "id" integer,
  "org_id" integer,
  "email" text,
  PRIMARY KEY ("id"),
  FOREIGN KEY ("org_id") REFERENCES "orgs" ("id")
);
-- hazard TABLE_REWRITE: rebuilds table users (changes foreign keys): copies every row
-- hazard MAY_FAIL: fails if existing rows break a new constraint
INSERT INTO "_schemahero_rebuild_users" ("id", "org_id", "email") SELECT "id", "org_id", "email" FROM "users";
DROP TABLE "users";
ALTER TABLE "_schemahero_rebuild_users" RENAME TO "users";
CREATE INDEX "idx_users_email" ON "users" ("email");
