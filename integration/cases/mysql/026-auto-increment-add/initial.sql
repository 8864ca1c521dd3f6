CREATE TABLE orders (id int NOT NULL PRIMARY KEY, note varchar(10));
INSERT INTO orders VALUES (1, 'a'), (5, 'b');
