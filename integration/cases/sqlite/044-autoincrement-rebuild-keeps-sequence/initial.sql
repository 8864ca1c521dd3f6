CREATE TABLE tickets (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT, legacy TEXT);
INSERT INTO tickets (title) VALUES ('one'), ('two'), ('three'), ('four'), ('five');
DELETE FROM tickets WHERE id > 2;
