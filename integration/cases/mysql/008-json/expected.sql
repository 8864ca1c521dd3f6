CREATE TABLE `docs` (
  `id` int NOT NULL,
  `body` json,
  PRIMARY KEY (`id`)
);
