CREATE TABLE orgs (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE users (id INTEGER PRIMARY KEY, org_id INTEGER REFERENCES orgs (id), email TEXT);
INSERT INTO orgs VALUES (1, 'acme');
INSERT INTO users VALUES (1, 1, 'a@example.com'), (2, NULL, 'b@example.com');
