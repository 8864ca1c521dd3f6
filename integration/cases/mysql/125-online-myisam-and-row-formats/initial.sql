CREATE TABLE legacy (id int PRIMARY KEY, a int, b varchar(10), KEY a_idx (a)) ENGINE=MyISAM;
INSERT INTO legacy VALUES (1, 1, 'x');
CREATE TABLE packed (id int PRIMARY KEY, a int, b varchar(10)) ROW_FORMAT=COMPRESSED;
INSERT INTO packed VALUES (1, 1, 'x');
CREATE TABLE old_format (id int PRIMARY KEY, a int NOT NULL, b varchar(10)) ROW_FORMAT=REDUNDANT;
INSERT INTO old_format VALUES (1, 1, 'x');
