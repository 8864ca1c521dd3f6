CREATE TABLE `mine` (
  `a` int
);
