CREATE TABLE teams (id int PRIMARY KEY);
CREATE TABLE `users` (
  `id` int NOT NULL AUTO_INCREMENT,
  `email` varchar(255) NOT NULL,
  `created_at` timestamp DEFAULT CURRENT_TIMESTAMP,
  `team_id` int,
  PRIMARY KEY (`id`)
);
CREATE UNIQUE INDEX `idx_users_email` ON `users` (`email`);
ALTER TABLE `users` ADD CONSTRAINT `users_team_id_fkey` FOREIGN KEY (`team_id`) REFERENCES `teams` (`id`);
