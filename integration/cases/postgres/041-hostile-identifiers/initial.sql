CREATE TABLE "order" ("select" integer PRIMARY KEY, "MixedCase" text);
INSERT INTO "order" VALUES (1, 'one');
