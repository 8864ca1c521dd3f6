CREATE TABLE orders (
  id int PRIMARY KEY,
  qty int,
  total numeric(10,2),
  code varchar(10),
  CONSTRAINT qty_positive CHECK (qty > 0),
  CONSTRAINT total_small CHECK (total < 100),
  CONSTRAINT code_upper CHECK (code = upper(code))
);
INSERT INTO orders VALUES (1, 2, 50, 'A'), (2, 1, 99, NULL);
