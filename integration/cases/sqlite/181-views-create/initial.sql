CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, active integer NOT NULL DEFAULT 1);
INSERT INTO users VALUES (1, 'a@example.com', 1), (2, 'b@example.com', 0);
