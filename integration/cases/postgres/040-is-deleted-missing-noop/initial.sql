CREATE TABLE present (id integer PRIMARY KEY);
