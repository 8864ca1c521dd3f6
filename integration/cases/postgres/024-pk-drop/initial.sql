CREATE TABLE logs (id integer PRIMARY KEY, line text);
INSERT INTO logs VALUES (1, 'a'), (2, 'b');
