CREATE TABLE `tokens` (
  `token` char(36) DEFAULT uuid(),
  `made` date DEFAULT curdate()
);
