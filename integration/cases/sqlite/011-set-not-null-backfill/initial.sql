CREATE TABLE users (id INTEGER PRIMARY KEY, status TEXT);
INSERT INTO users VALUES (1, 'blocked'), (2, NULL), (3, NULL);
