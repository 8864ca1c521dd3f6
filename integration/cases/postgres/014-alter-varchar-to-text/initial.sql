CREATE TABLE notes (id integer PRIMARY KEY, body varchar(200), title varchar(20) DEFAULT 'untitled');
INSERT INTO notes VALUES (1, 'hello', 'greeting'), (2, NULL, DEFAULT);
