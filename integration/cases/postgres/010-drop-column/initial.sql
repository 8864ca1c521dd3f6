CREATE TABLE users (id integer PRIMARY KEY, name text, legacy_flag boolean DEFAULT false, obsolete text);
INSERT INTO users VALUES (1, 'ann', true, 'x'), (2, 'bob', false, NULL);
