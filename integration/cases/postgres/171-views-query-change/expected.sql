-- hazard MAY_FAIL: its columns change, which CREATE OR REPLACE VIEW cannot do: dropped and created again; fails if another view depends on it (Postgres refuses to drop it)
DROP VIEW "public"."emails";
CREATE VIEW "public"."emails" AS
SELECT id, lower(name) AS who FROM users;
CREATE OR REPLACE VIEW "public"."names" AS
SELECT id, name FROM users;
