CREATE OR REPLACE VIEW `emails` AS
SELECT id, lower(name) AS who FROM users;
