CREATE TABLE `accounts` (
  `id` int NOT NULL,
  `name` varchar(40),
  PRIMARY KEY (`id`)
);
