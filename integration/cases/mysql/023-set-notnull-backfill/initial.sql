CREATE TABLE people (name varchar(50), age int);
INSERT INTO people VALUES (NULL, 3), ('bob', 4);
