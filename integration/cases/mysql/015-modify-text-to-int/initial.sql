CREATE TABLE codes (code varchar(10));
INSERT INTO codes VALUES ('12'), ('7');
