CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, legacy TEXT);
CREATE INDEX idx_users_legacy ON users (legacy);
CREATE INDEX idx_users_email ON users (email);
INSERT INTO users VALUES (1, 'a@example.com', 'x');
