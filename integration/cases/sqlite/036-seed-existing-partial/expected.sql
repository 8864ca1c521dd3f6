-- hazard UPDATES_ROWS: inserts or updates a seed row
INSERT INTO "roles" ("id", "name") VALUES (2, 'user') ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name";
-- hazard UPDATES_ROWS: inserts or updates a seed row
INSERT INTO "roles" ("id", "name") VALUES (3, 'guest') ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name";
