CREATE TABLE "_schemahero_rebuild_tickets" (
  "id" integer PRIMARY KEY AUTOINCREMENT,
  "title" text
);
-- hazard TABLE_REWRITE: rebuilds table tickets (drops column(s) legacy): copies every row
-- hazard MAY_FAIL: fails if existing rows break a new constraint
INSERT INTO "_schemahero_rebuild_tickets" ("id", "title") SELECT "id", "title" FROM "tickets";
DELETE FROM sqlite_sequence WHERE name = '_schemahero_rebuild_tickets';
INSERT INTO sqlite_sequence (name, seq) SELECT '_schemahero_rebuild_tickets', seq FROM sqlite_sequence WHERE name = 'tickets';
-- hazard DELETES_DATA: the data of column(s) legacy is not copied (2 rows)
DROP TABLE "tickets";
ALTER TABLE "_schemahero_rebuild_tickets" RENAME TO "tickets";
-- hazard UPDATES_ROWS: inserts or updates a seed row
INSERT INTO "tickets" ("title") VALUES ('seeded') ON CONFLICT DO NOTHING;
