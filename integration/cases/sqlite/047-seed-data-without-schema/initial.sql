-- The table is managed elsewhere; SchemaHero only seeds it.
CREATE TABLE countries (code char(2) NOT NULL PRIMARY KEY, name varchar(60) NOT NULL);
INSERT INTO countries (code, name) VALUES ('FR', 'France'), ('DE', 'Germany (old)');
