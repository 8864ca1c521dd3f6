CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, name text);
INSERT INTO users VALUES (1, 'a@example.com', 'Ann');
CREATE VIEW emails AS SELECT id, email FROM users;
