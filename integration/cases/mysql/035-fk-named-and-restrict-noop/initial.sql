CREATE TABLE owners (id int PRIMARY KEY);
CREATE TABLE pets (id int PRIMARY KEY, owner_id int, vet_id int,
  CONSTRAINT fk_owner FOREIGN KEY (owner_id) REFERENCES owners (id),
  CONSTRAINT whatever_name FOREIGN KEY (vet_id) REFERENCES owners (id) ON DELETE NO ACTION);
