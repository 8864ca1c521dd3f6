CREATE TABLE things (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, code varchar(10) NOT NULL);
INSERT INTO things (code) VALUES ('a'), ('b');
