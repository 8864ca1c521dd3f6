CREATE TABLE `orders` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `total` decimal(12,2) NOT NULL,
  PRIMARY KEY (`id`)
);
