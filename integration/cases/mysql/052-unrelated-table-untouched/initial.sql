CREATE TABLE theirs (x int, y varchar(3));
INSERT INTO theirs VALUES (1, 'a');
