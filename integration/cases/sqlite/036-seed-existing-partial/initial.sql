CREATE TABLE roles (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO roles VALUES (1, 'admin'), (2, 'old name');
