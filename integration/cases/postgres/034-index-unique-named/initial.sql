CREATE TABLE accounts (id integer PRIMARY KEY, email text, handle text);
INSERT INTO accounts VALUES (1, 'a@example.com', 'a'), (2, 'b@example.com', 'b');
