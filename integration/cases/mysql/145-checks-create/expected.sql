CREATE TABLE `products` (
  `id` int NOT NULL,
  `price` decimal(10,2),
  `status` varchar(10),
  PRIMARY KEY (`id`),
  CONSTRAINT `price_positive` CHECK (price > 0),
  CONSTRAINT `status_known` CHECK (status IN ('draft', 'live') OR status IS NULL)
);
