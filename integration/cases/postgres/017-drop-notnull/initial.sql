CREATE TABLE contacts (id integer PRIMARY KEY, phone text NOT NULL, fax text NOT NULL DEFAULT '');
INSERT INTO contacts VALUES (1, '555-0100', '');
