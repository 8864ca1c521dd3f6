CREATE TABLE `dated` (
  `d` date DEFAULT '2020-01-01',
  `dt` datetime DEFAULT '2020-01-01 10:00:00',
  `b` bit(1) DEFAULT b'1',
  `f` double DEFAULT 1.25,
  `n` decimal(8,3) DEFAULT 2,
  `u` int unsigned DEFAULT 7,
  `j` json DEFAULT '{}'
);
