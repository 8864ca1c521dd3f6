CREATE TABLE people (
  id serial PRIMARY KEY,
  full_name text
);
CREATE INDEX idx_people_full_name ON people (full_name);
INSERT INTO people (full_name) VALUES ('Ada'), ('Grace');
