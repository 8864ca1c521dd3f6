CREATE TABLE authors (id integer PRIMARY KEY);
CREATE TABLE books (id integer PRIMARY KEY, author_id integer NOT NULL REFERENCES authors (id));
INSERT INTO authors VALUES (1), (2);
INSERT INTO books VALUES (100, 1), (101, 2);
