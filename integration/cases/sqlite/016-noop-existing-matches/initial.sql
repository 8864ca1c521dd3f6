CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email VARCHAR(255) NOT NULL, org_id INTEGER REFERENCES orgs (id) ON DELETE CASCADE);
CREATE TABLE orgs (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE UNIQUE INDEX idx_users_email ON users (email);
CREATE INDEX idx_users_org_id ON users (org_id);
INSERT INTO orgs VALUES (1, 'acme');
INSERT INTO users VALUES (1, 'a@example.com', 1);
