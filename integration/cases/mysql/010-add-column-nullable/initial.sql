CREATE TABLE items (id int PRIMARY KEY, label varchar(50));
INSERT INTO items VALUES (1, 'one');
