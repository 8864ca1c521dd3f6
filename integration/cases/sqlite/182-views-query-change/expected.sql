DROP VIEW "emails";
CREATE VIEW "emails" AS
SELECT id, lower(name) AS who FROM users;
