CREATE TABLE users (id int PRIMARY KEY, email varchar(255));
CREATE VIEW old_emails AS SELECT email FROM users;
