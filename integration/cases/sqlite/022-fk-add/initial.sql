CREATE TABLE orgs (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE users (id INTEGER PRIMARY KEY, org_id INTEGER, email TEXT);
CREATE INDEX idx_users_email ON users (email);
INSERT INTO orgs VALUES (1, 'acme'), (2, 'globex');
INSERT INTO users VALUES (1, 1, 'a@example.com'), (2, 2, 'b@example.com'), (3, NULL, 'c@example.com');
