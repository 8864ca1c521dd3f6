CREATE TABLE stock (id int PRIMARY KEY, qty int, CONSTRAINT qty_pos CHECK (qty > 0));
INSERT INTO stock VALUES (1, 5);
