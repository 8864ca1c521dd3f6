CREATE TABLE events (id integer PRIMARY KEY, name text);
INSERT INTO events VALUES (1, 'launch'), (2, 'retro');
