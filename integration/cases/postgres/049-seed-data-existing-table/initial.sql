CREATE TABLE currencies (code char(3) PRIMARY KEY, name text NOT NULL, decimals integer NOT NULL DEFAULT 2);
INSERT INTO currencies VALUES ('EUR', 'Euro', 2), ('USD', 'US Dollar (old name)', 2), ('XXX', 'Not in spec', 0);
