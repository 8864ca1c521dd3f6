CREATE TABLE codes (id integer PRIMARY KEY, code varchar(10) NOT NULL);
INSERT INTO codes VALUES (1, 'abcdefghij'), (2, 'x');
