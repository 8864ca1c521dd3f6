CREATE TABLE items (id int PRIMARY KEY, qty int, CONSTRAINT qty_pos CHECK (qty > 0)) COMMENT = 'kept';
