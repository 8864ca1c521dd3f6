CREATE TABLE users (id integer PRIMARY KEY, score integer, legacy text);
INSERT INTO users VALUES (1, 5, 'x');
CREATE VIEW scores AS SELECT id, score, legacy FROM users;
