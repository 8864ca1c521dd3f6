CREATE TABLE "_schemahero_rebuild_users" (
  "id" integer,
  "email" text NOT NULL,
  "age" integer,
  PRIMARY KEY ("id")
);
-- hazard TABLE_REWRITE: rebuilds table users (drops column(s) legacy): copies every row
-- hazard MAY_FAIL: fails if existing rows break a new constraint
INSERT INTO "_schemahero_rebuild_users" ("id", "email", "age") SELECT "id", "email", "age" FROM "users";
-- hazard DELETES_DATA: the data of column(s) legacy is not copied (2 rows)
DROP TABLE "users";
ALTER TABLE "_schemahero_rebuild_users" RENAME TO "users";
