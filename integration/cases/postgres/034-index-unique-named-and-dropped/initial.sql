CREATE TABLE accounts (id integer PRIMARY KEY, email text, handle text, legacy_code text UNIQUE);
INSERT INTO accounts VALUES (1, 'a@example.com', 'a', 'L1'), (2, 'b@example.com', 'b', 'L2');
