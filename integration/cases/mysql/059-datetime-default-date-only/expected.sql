CREATE TABLE `dated` (
  `dt` datetime DEFAULT '2020-01-01'
);
