CREATE TABLE things (id int, name varchar(10));
INSERT INTO things VALUES (1, 'a'), (2, 'b');
