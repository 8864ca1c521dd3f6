CREATE TABLE items (id integer PRIMARY KEY, qty integer CONSTRAINT qty_pos CHECK (qty > 0));
COMMENT ON TABLE items IS 'kept';
