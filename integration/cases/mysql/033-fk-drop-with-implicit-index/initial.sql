CREATE TABLE owners (id int PRIMARY KEY);
CREATE TABLE pets (id int PRIMARY KEY, owner_id int, CONSTRAINT pets_owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id));
