CREATE TABLE `ints` (
  `a` int NOT NULL,
  `b` tinyint(1),
  `c` tinyint(1),
  `d` int,
  `e` bigint,
  `f` smallint,
  `g` mediumint,
  `h` tinyint,
  `i` int unsigned,
  `j` int,
  PRIMARY KEY (`a`)
);
