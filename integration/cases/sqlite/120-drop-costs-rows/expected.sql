-- hazard DELETES_DATA: drops table audit_log and all its rows (3 rows)
DROP TABLE "audit_log";
-- hazard DELETES_DATA: drops table empty_t and all its rows (0 rows)
DROP TABLE "empty_t";
CREATE TABLE "_schemahero_rebuild_accounts" (
  "id" integer,
  "name" text,
  PRIMARY KEY ("id")
);
-- hazard TABLE_REWRITE: rebuilds table accounts (drops column(s) legacy): copies every row
-- hazard MAY_FAIL: fails if existing rows break a new constraint
INSERT INTO "_schemahero_rebuild_accounts" ("id", "name") SELECT "id", "name" FROM "accounts";
-- hazard DELETES_DATA: the data of column(s) legacy is not copied (2 rows)
DROP TABLE "accounts";
ALTER TABLE "_schemahero_rebuild_accounts" RENAME TO "accounts";
