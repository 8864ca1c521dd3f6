CREATE TABLE accounts (id int PRIMARY KEY, email varchar(100), handle varchar(30), UNIQUE KEY handle_uq (handle));
