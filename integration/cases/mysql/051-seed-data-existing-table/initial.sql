CREATE TABLE currencies (code char(3) PRIMARY KEY, name varchar(50) NOT NULL, decimals int NOT NULL DEFAULT 2);
INSERT INTO currencies VALUES ('EUR', 'Euro', 2), ('USD', 'US Dollar (old)', 2), ('XXX', 'Not in spec', 0);
