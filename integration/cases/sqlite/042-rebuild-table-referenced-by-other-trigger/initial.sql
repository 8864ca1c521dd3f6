CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, legacy TEXT);
CREATE TABLE signups (id INTEGER PRIMARY KEY, email TEXT);
CREATE TRIGGER signup_creates_user AFTER INSERT ON signups BEGIN INSERT INTO users (email) VALUES (NEW.email); END;
INSERT INTO users VALUES (1, 'a@example.com', 'x');
