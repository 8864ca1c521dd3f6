CREATE TABLE inv (id integer PRIMARY KEY, qty text DEFAULT '0');
INSERT INTO inv VALUES (1, '5'), (2, DEFAULT);
