CREATE TABLE `parent` (
  `id` int NOT NULL,
  PRIMARY KEY (`id`)
);
CREATE TABLE `child` (
  `id` int NOT NULL,
  `parent_id` int,
  PRIMARY KEY (`id`)
);
ALTER TABLE `child` ADD CONSTRAINT `child_parent_id_fkey` FOREIGN KEY (`parent_id`) REFERENCES `parent` (`id`);
