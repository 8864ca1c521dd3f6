-- hazard UPDATES_ROWS: inserts or updates a seed row
INSERT INTO `currencies` (`code`, `name`, `decimals`) VALUES ('USD', 'US Dollar', 2) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`), `decimals` = VALUES(`decimals`);
-- hazard UPDATES_ROWS: inserts or updates a seed row
INSERT INTO `currencies` (`code`, `name`, `decimals`) VALUES ('JPY', 'Yen', 0) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`), `decimals` = VALUES(`decimals`);
