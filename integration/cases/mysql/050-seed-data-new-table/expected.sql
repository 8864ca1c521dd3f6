CREATE TABLE `currencies` (
  `code` char(3) NOT NULL,
  `name` varchar(50) NOT NULL,
  PRIMARY KEY (`code`)
);
-- hazard UPDATES_ROWS: inserts or updates a seed row
INSERT INTO `currencies` (`code`, `name`) VALUES ('EUR', 'Euro') ON DUPLICATE KEY UPDATE `name` = VALUES(`name`);
-- hazard UPDATES_ROWS: inserts or updates a seed row
INSERT INTO `currencies` (`code`, `name`) VALUES ('GBP', 'Pound''s') ON DUPLICATE KEY UPDATE `name` = VALUES(`name`);
