CREATE TABLE counters (id int PRIMARY KEY, n int);
INSERT INTO counters VALUES (1, 42);
