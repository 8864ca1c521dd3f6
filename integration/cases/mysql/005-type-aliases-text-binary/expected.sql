CREATE TABLE `texts` (
  `a` char(1),
  `b` varchar(10),
  `c` text,
  `d` text,
  `e` tinytext,
  `f` mediumtext,
  `g` longtext,
  `h` blob,
  `i` varbinary(16),
  `j` binary(1),
  `k` varchar(20)
);
