CREATE TABLE subscribers (id integer PRIMARY KEY, email text UNIQUE);
INSERT INTO subscribers VALUES (1, 'x@example.com');
