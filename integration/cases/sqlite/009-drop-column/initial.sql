CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, legacy TEXT, age INTEGER);
INSERT INTO users VALUES (1, 'a@example.com', 'x', 30), (2, 'b@example.com', NULL, NULL);
