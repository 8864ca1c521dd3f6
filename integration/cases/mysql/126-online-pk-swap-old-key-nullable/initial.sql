CREATE TABLE things (id int NOT NULL, code int NOT NULL, other int NOT NULL, PRIMARY KEY (id));
INSERT INTO things VALUES (1, 10, 100), (2, 20, 200);
CREATE TABLE swapped (id int NOT NULL, code int NOT NULL, PRIMARY KEY (id));
INSERT INTO swapped VALUES (1, 10), (2, 20);
