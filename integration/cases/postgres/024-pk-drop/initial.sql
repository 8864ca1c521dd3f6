CREATE TABLE logs (id integer, shard integer, line text, PRIMARY KEY (id, shard));
INSERT INTO logs VALUES (1, 1, 'a'), (2, 1, 'b');
