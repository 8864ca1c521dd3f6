CREATE TABLE `nums` (
  `a` decimal(10,0),
  `b` decimal(8,0),
  `c` decimal(10,2),
  `d` double,
  `e` double,
  `f` float,
  `g` double,
  `h` bit(1)
);
