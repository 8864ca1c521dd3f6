CREATE TABLE "roles" (
  "id" integer,
  "name" text NOT NULL,
  PRIMARY KEY ("id")
);
-- hazard UPDATES_ROWS: inserts or updates a seed row
INSERT INTO "roles" ("id", "name") VALUES (1, 'admin') ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name";
-- hazard UPDATES_ROWS: inserts or updates a seed row
INSERT INTO "roles" ("id", "name") VALUES (2, 'it''s a "user"') ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name";
