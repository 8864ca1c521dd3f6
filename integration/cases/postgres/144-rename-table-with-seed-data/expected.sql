ALTER TABLE "colours" RENAME TO "colors";
ALTER TABLE "colors" RENAME COLUMN "label" TO "name";
-- hazard UPDATES_ROWS: inserts or updates a seed row
INSERT INTO "colors" ("id", "name") VALUES (1, 'red') ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name";
-- hazard UPDATES_ROWS: inserts or updates a seed row
INSERT INTO "colors" ("id", "name") VALUES (2, 'blue') ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name";
