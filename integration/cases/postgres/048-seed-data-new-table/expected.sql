CREATE TABLE "roles" (
  "id" integer NOT NULL,
  "name" text NOT NULL,
  "description" text,
  PRIMARY KEY ("id")
);
-- hazard UPDATES_ROWS: inserts or updates a seed row
INSERT INTO "roles" ("id", "name", "description") VALUES (1, 'admin', 'it''s the boss') ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name", "description" = excluded."description";
-- hazard UPDATES_ROWS: inserts or updates a seed row
INSERT INTO "roles" ("id", "name") VALUES (2, 'viewer') ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name";
-- hazard UPDATES_ROWS: inserts or updates a seed row
INSERT INTO "roles" ("id", "name", "description") VALUES (-3, 'back\slash "dq" ünï', '') ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name", "description" = excluded."description";
