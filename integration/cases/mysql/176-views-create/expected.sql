CREATE VIEW `active_users` AS
SELECT id, email
FROM `users`
WHERE active = 1;
CREATE VIEW `active_count` AS
SELECT count(*) AS n FROM active_users;
