CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0);
INSERT INTO counters VALUES ('users', 2);
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, legacy INTEGER);
CREATE TRIGGER users_count AFTER INSERT ON users FOR EACH ROW BEGIN UPDATE counters SET n = n + 1 WHERE name = 'users'; END;
INSERT INTO users VALUES (1, 'a@example.com', 1), (2, 'b@example.com', 2);
