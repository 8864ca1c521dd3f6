CREATE TABLE orgs (id integer PRIMARY KEY);
INSERT INTO orgs VALUES (7);
CREATE TABLE users (id integer PRIMARY KEY, name text, legacy_flag boolean DEFAULT false, obsolete text, org_id integer REFERENCES orgs (id));
CREATE INDEX idx_users_org_id ON users (org_id);
CREATE INDEX idx_users_name_obsolete ON users (name, obsolete);
INSERT INTO users VALUES (1, 'ann', true, 'x', 7), (2, 'bob', false, NULL, NULL);
