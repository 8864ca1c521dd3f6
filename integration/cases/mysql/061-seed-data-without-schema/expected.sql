-- hazard UPDATES_ROWS: inserts or updates a seed row
INSERT INTO `countries` (`code`, `name`) VALUES ('DE', 'Germany') ON DUPLICATE KEY UPDATE `name` = VALUES(`name`);
-- hazard UPDATES_ROWS: inserts or updates a seed row
INSERT INTO `countries` (`code`, `name`) VALUES ('NO', 'Norway') ON DUPLICATE KEY UPDATE `name` = VALUES(`name`);
