CREATE TABLE imports (name text);
INSERT INTO imports VALUES ('a'), ('b');
