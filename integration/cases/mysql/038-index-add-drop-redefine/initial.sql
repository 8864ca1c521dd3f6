CREATE TABLE books (id int PRIMARY KEY, title varchar(100), author varchar(100), year int);
CREATE INDEX old_idx ON books (year);
CREATE INDEX by_author ON books (author);
