CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT, city TEXT);
CREATE INDEX idx_users_name ON users (name);
CREATE INDEX old_city ON users (city);
INSERT INTO users VALUES (1, 'a@example.com', 'Ann', 'Oslo');
