CREATE TABLE notes (title varchar(20), n int) DEFAULT CHARSET=latin1;
INSERT INTO notes VALUES ('hello', 1);
