CREATE TABLE settings (id integer PRIMARY KEY, theme text, retries integer DEFAULT 3, enabled boolean DEFAULT true);
INSERT INTO settings (id) VALUES (1);
