CREATE TYPE status AS ENUM ('new', 'done');
CREATE TABLE jobs (id integer PRIMARY KEY, state text DEFAULT 'new');
INSERT INTO jobs VALUES (1, 'done'), (2, DEFAULT);
