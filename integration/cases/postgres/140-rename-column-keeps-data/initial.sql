CREATE TABLE users (
  id integer PRIMARY KEY,
  mail varchar(100) NOT NULL,
  org integer
);
CREATE INDEX idx_users_mail ON users (mail);
CREATE TABLE orgs (id integer PRIMARY KEY);
INSERT INTO orgs VALUES (1);
ALTER TABLE users ADD CONSTRAINT users_org_fkey FOREIGN KEY (org) REFERENCES orgs (id);
INSERT INTO users VALUES (1, 'a@example.com', 1), (2, 'b@example.com', NULL);
