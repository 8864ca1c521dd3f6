CREATE TABLE `memberships` (
  `user_id` int NOT NULL,
  `group_id` int NOT NULL,
  `role` enum('member','admin') NOT NULL DEFAULT 'member',
  PRIMARY KEY (`user_id`, `group_id`)
);
