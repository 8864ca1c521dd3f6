CREATE TABLE old_sessions (id integer PRIMARY KEY, token text);
INSERT INTO old_sessions VALUES (1, 'abc');
CREATE TABLE keepers (id integer PRIMARY KEY);
