CREATE TABLE `projects` (
  `id` bigint NOT NULL,
  `title` varchar(100) DEFAULT 'untitled',
  PRIMARY KEY (`id`)
);
