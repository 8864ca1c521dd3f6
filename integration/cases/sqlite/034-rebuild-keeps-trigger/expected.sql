CREATE TABLE "_schemahero_rebuild_users" (
  "id" integer,
  "email" text NOT NULL DEFAULT 'unknown',
  PRIMARY KEY ("id")
);
-- hazard TABLE_REWRITE: rebuilds table users (drops column(s) legacy; changes column email): copies every row
-- hazard MAY_FAIL: fails if existing rows break a new constraint
INSERT INTO "_schemahero_rebuild_users" ("id", "email") SELECT "id", coalesce("email", 'unknown') FROM "users";
-- hazard DELETES_DATA: the data of column(s) legacy is not copied (2 rows)
DROP TABLE "users";
ALTER TABLE "_schemahero_rebuild_users" RENAME TO "users";
CREATE TRIGGER users_count AFTER INSERT ON users FOR EACH ROW BEGIN UPDATE counters SET n = n + 1 WHERE name = 'users'; END;
