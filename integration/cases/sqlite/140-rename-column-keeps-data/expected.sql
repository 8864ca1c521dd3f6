ALTER TABLE "users" RENAME COLUMN "mail" TO "email";
ALTER TABLE "users" RENAME COLUMN "org" TO "organization";
CREATE TABLE "_schemahero_rebuild_users" (
  "id" integer,
  "email" varchar(255) NOT NULL,
  "organization" integer DEFAULT 0,
  PRIMARY KEY ("id"),
  FOREIGN KEY ("organization") REFERENCES "orgs" ("id")
);
-- hazard TABLE_REWRITE: rebuilds table users (changes column email; changes column organization): copies every row
-- hazard MAY_FAIL: fails if existing rows break a new constraint
INSERT INTO "_schemahero_rebuild_users" ("id", "email", "organization") SELECT "id", "email", "organization" FROM "users";
DROP TABLE "users";
ALTER TABLE "_schemahero_rebuild_users" RENAME TO "users";
CREATE INDEX "idx_users_mail" ON "users" ("email");
