CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, legacy TEXT);
CREATE VIEW user_emails AS SELECT id, email FROM users;
INSERT INTO users VALUES (1, 'a@example.com', 'x');
