CREATE TABLE orders (id integer PRIMARY KEY, total numeric(10,2));
INSERT INTO orders VALUES (1, 10.50), (2, NULL);
