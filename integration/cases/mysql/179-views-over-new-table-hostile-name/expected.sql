CREATE TABLE `orders` (
  `id` int NOT NULL,
  `total` decimal(10,2),
  PRIMARY KEY (`id`)
);
CREATE VIEW `v``; DROP TABLE orders; --` AS
SELECT id, total FROM orders WHERE total > 10;
