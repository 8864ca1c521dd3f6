CREATE TABLE "metrics" (
  "id" integer,
  "label" text NOT NULL,
  "value" real,
  "payload" blob,
  "anything" any,
  PRIMARY KEY ("id")
) STRICT;
