CREATE TABLE "_schemahero_rebuild_users" (
  "id" integer,
  "email" text NOT NULL,
  "created_at" timestamp DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY ("id")
);
-- hazard TABLE_REWRITE: rebuilds table users (adds column created_at that ALTER TABLE cannot add): copies every row
-- hazard MAY_FAIL: fails if existing rows break a new constraint
INSERT INTO "_schemahero_rebuild_users" ("id", "email") SELECT "id", "email" FROM "users";
DROP TABLE "users";
ALTER TABLE "_schemahero_rebuild_users" RENAME TO "users";
CREATE INDEX "idx_users_email" ON "users" ("email");
