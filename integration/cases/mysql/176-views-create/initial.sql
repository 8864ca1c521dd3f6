CREATE TABLE users (id int PRIMARY KEY, email varchar(255) NOT NULL, active tinyint(1) NOT NULL DEFAULT 1);
INSERT INTO users VALUES (1, 'a@example.com', 1), (2, 'b@example.com', 0);
