CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);
CREATE INDEX idx_users_email ON users (email);
INSERT INTO users VALUES (1, 'a@example.com'), (2, 'b@example.com');
