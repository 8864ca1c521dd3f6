CREATE TABLE things (id int PRIMARY KEY, name varchar(10));
