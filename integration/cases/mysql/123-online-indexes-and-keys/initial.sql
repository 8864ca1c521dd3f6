CREATE TABLE owners (id int PRIMARY KEY);
INSERT INTO owners VALUES (1), (2);
CREATE TABLE pets (
  id int PRIMARY KEY,
  owner_id int,
  vet_id int,
  name varchar(20),
  bio text,
  KEY old_idx (name),
  KEY misnamed (vet_id),
  CONSTRAINT pets_vet_fk FOREIGN KEY (vet_id) REFERENCES owners (id)
);
INSERT INTO pets VALUES (1, 1, 1, 'rex', 'good dog'), (2, 2, NULL, 'tom', 'cat');
