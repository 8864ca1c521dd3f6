CREATE TABLE `times` (
  `a` datetime,
  `b` datetime(6),
  `c` timestamp(3),
  `d` time,
  `e` date,
  `f` year,
  `g` datetime
);
