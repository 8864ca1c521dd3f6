CREATE TABLE colours (id integer PRIMARY KEY, label text);
INSERT INTO colours VALUES (1, 'red');
