CREATE TABLE people (name varchar(50) NOT NULL);
