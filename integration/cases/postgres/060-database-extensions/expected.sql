-- hazard MAY_FAIL: fails unless the server has the extension's files installed
CREATE EXTENSION IF NOT EXISTS "citext";
-- hazard MAY_FAIL: fails unless the server has the extension's files installed
CREATE EXTENSION IF NOT EXISTS "hstore" WITH SCHEMA "public" VERSION '1.8';
-- hazard MAY_FAIL: fails unless the server has the extension's files installed
CREATE EXTENSION IF NOT EXISTS "pgcrypto";
-- hazard MAY_FAIL: fails unless the server has the extension's files installed
CREATE EXTENSION IF NOT EXISTS "pg_trgm";
CREATE TABLE "profiles" (
  "id" uuid NOT NULL DEFAULT gen_random_uuid(),
  "email" citext NOT NULL,
  "attributes" hstore,
  PRIMARY KEY ("id")
);
