CREATE TABLE gadgets (id integer PRIMARY KEY, name text);
INSERT INTO gadgets VALUES (1, 'a'), (5, 'b');
