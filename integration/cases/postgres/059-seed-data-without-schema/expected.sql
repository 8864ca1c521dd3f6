-- hazard UPDATES_ROWS: inserts or updates a seed row
INSERT INTO "countries" ("code", "name") VALUES ('DE', 'Germany') ON CONFLICT ("code") DO UPDATE SET "name" = excluded."name";
-- hazard UPDATES_ROWS: inserts or updates a seed row
INSERT INTO "countries" ("code", "name") VALUES ('NO', 'Norway') ON CONFLICT ("code") DO UPDATE SET "name" = excluded."name";
