CREATE TABLE stock (id integer PRIMARY KEY, qty integer, CONSTRAINT qty_pos CHECK (qty > 0));
INSERT INTO stock VALUES (1, 5);
