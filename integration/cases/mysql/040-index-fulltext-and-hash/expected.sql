CREATE TABLE `articles` (
  `id` int NOT NULL,
  `body` text,
  `slug` varchar(50),
  PRIMARY KEY (`id`)
);
CREATE FULLTEXT INDEX `idx_articles_body` ON `articles` (`body`);
CREATE INDEX `idx_articles_slug` ON `articles` (`slug`);
