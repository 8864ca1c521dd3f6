CREATE TABLE orgs (id integer PRIMARY KEY, name text);
CREATE TABLE teams (id integer PRIMARY KEY, org_id integer, name text);
INSERT INTO orgs VALUES (1, 'acme');
INSERT INTO teams VALUES (10, 1, 'red'), (11, NULL, 'blue');
