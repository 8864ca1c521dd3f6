CREATE TABLE metrics (id INTEGER PRIMARY KEY, label TEXT NOT NULL, value REAL);
INSERT INTO metrics VALUES (1, 'a', 1.5), (2, 'b', NULL);
