CREATE TABLE profiles (id integer PRIMARY KEY, country text, visits integer);
INSERT INTO profiles VALUES (1, 'FR', 5), (2, NULL, NULL), (3, 'DE', NULL);
