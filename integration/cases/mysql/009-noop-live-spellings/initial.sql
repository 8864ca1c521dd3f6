CREATE TABLE legacy (
  id int(11) NOT NULL,
  flag tinyint(1) DEFAULT 0,
  amount decimal(10,0),
  price decimal(10,2) DEFAULT 1.50,
  ratio double,
  body json,
  y year(4),
  big bigint(20) unsigned,
  note text,
  PRIMARY KEY (id)
);
