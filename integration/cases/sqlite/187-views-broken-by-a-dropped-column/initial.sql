CREATE TABLE users (id integer PRIMARY KEY);
-- As the engine wrote it, when users still had a column "legacy" (SQLite does not check a view when it is created, nor when a table loses a column one reads).
CREATE VIEW "v" AS
SELECT id, legacy FROM users;
