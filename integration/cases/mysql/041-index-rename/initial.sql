CREATE TABLE books (title varchar(100));
CREATE INDEX some_old_name ON books (title);
