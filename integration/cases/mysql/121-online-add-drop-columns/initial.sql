CREATE TABLE items (
  id int NOT NULL,
  code int NOT NULL,
  plain varchar(10),
  solo int,
  pair_a int,
  pair_b int,
  PRIMARY KEY (id, code),
  KEY solo_idx (solo),
  KEY pair_idx (pair_a, pair_b)
);
INSERT INTO items VALUES (1, 1, 'x', 1, 1, 1), (2, 2, NULL, NULL, NULL, NULL);
