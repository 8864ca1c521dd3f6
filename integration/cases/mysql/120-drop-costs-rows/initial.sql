CREATE TABLE accounts (id int PRIMARY KEY, name varchar(20), legacy varchar(20));
INSERT INTO accounts VALUES (1, 'a', 'x'), (2, 'b', NULL);
CREATE TABLE audit_log (id int PRIMARY KEY, note text);
INSERT INTO audit_log VALUES (1, 'one'), (2, 'two'), (3, 'three');
CREATE TABLE empty_t (id int PRIMARY KEY);
