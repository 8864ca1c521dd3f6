CREATE TABLE `nodes` (
  `id` int NOT NULL,
  `parent_id` int,
  PRIMARY KEY (`id`)
);
ALTER TABLE `nodes` ADD CONSTRAINT `nodes_parent_id_fkey` FOREIGN KEY (`parent_id`) REFERENCES `nodes` (`id`) ON DELETE SET NULL;
