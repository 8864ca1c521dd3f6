CREATE TABLE old_stuff (id INTEGER PRIMARY KEY, data TEXT);
CREATE INDEX idx_old_stuff_data ON old_stuff (data);
INSERT INTO old_stuff VALUES (1, 'x');
CREATE TABLE keep (id INTEGER PRIMARY KEY);
INSERT INTO keep VALUES (1);
