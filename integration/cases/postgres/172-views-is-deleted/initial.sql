CREATE TABLE users (id integer PRIMARY KEY, email text);
CREATE VIEW old_emails AS SELECT email FROM users;
