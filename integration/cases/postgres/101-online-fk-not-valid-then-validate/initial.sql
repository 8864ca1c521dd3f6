-- keys on existing tables are added NOT VALID (a short lock) and validated on their own
-- (writes continue); a key of a table created in the same plan is added plainly
CREATE TABLE customers (id integer PRIMARY KEY, name text);
CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer, total numeric);
INSERT INTO customers VALUES (1, 'ann'), (2, 'bob');
INSERT INTO orders VALUES (10, 1, 5), (11, 2, 7), (12, NULL, 1);
