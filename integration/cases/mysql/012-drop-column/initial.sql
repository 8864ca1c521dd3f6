CREATE TABLE items (id int PRIMARY KEY, obsolete varchar(10), also_gone int);
CREATE INDEX idx_obsolete ON items (obsolete);
INSERT INTO items VALUES (1, 'x', 2);
