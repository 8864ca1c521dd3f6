CREATE TABLE cities (id integer PRIMARY KEY, name text);
CREATE INDEX idx_cities_name ON cities (name);
INSERT INTO cities VALUES (1, 'Paris');
