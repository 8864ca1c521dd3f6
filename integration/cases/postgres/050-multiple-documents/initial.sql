CREATE TABLE alpha (id integer PRIMARY KEY, a text);
CREATE TABLE gamma (id integer PRIMARY KEY);
INSERT INTO alpha VALUES (1, 'keep');
