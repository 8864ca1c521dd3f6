CREATE TABLE people (
  id int AUTO_INCREMENT PRIMARY KEY,
  full_name varchar(100)
);
CREATE INDEX idx_people_full_name ON people (full_name);
INSERT INTO people (full_name) VALUES ('Ada'), ('Grace');
