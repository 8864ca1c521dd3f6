CREATE TABLE members (id integer PRIMARY KEY, email text NOT NULL);
INSERT INTO members VALUES (1, 'a@example.com'), (2, 'b@example.com');
