CREATE TABLE orgs (id integer PRIMARY KEY);
INSERT INTO orgs VALUES (1);
CREATE TABLE users (
  id integer PRIMARY KEY,
  mail varchar(100) NOT NULL,
  org integer,
  FOREIGN KEY (org) REFERENCES orgs (id)
);
CREATE INDEX idx_users_mail ON users (mail);
INSERT INTO users VALUES (1, 'a@example.com', 1), (2, 'b@example.com', NULL);
