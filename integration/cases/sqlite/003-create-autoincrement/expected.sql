CREATE TABLE "events" (
  "id" integer PRIMARY KEY AUTOINCREMENT,
  "name" text NOT NULL
);
