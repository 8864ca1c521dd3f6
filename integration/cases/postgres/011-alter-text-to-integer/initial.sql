CREATE TABLE stock (id integer PRIMARY KEY, qty text);
INSERT INTO stock VALUES (1, '42'), (2, ' 7'), (3, NULL);
