CREATE TABLE `ledgers` (
  `id` int NOT NULL,
  `total` decimal(10,2),
  PRIMARY KEY (`id`)
);
