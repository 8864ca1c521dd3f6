CREATE TABLE orders (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, note varchar(10));
INSERT INTO orders (note) VALUES ('a');
