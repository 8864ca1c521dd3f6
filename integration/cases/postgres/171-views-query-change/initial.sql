CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, name text, active boolean NOT NULL DEFAULT true);
INSERT INTO users VALUES (1, 'a@example.com', 'Ann', true), (2, 'b@example.com', 'Bob', false);
-- Columns change (email dropped): dropped and created.
CREATE VIEW emails AS SELECT id, email FROM users;
-- A column added at the end: CREATE OR REPLACE.
CREATE VIEW names AS SELECT id FROM users;
-- The same query written differently (case, spacing, qualification): nothing to do.
CREATE VIEW actives AS select users.id from users where users.active;
