CREATE VIEW "public"."active_users" AS
SELECT id, email
FROM users
WHERE active;
CREATE VIEW "public"."active_count" AS
SELECT count(*) AS n FROM active_users;
