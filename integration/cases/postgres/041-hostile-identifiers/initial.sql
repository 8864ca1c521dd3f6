CREATE TABLE "order" ("select" integer PRIMARY KEY, "MixedCase" text);
INSERT INTO "order" VALUES (1, 'one');
CREATE SCHEMA "My App";
CREATE TABLE "My App"."Parent" (id integer PRIMARY KEY);
