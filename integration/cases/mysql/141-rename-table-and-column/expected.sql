ALTER TABLE `people` RENAME TO `customers`;
ALTER TABLE `customers` RENAME COLUMN `full_name` TO `name`;
-- hazard TABLE_REWRITE: adds since, as the server picks (no ALGORITHM clause), which may copy the table; writes may block
ALTER TABLE `customers` ADD COLUMN `since` date;
-- hazard TABLE_REWRITE: makes name NOT NULL, as the server picks (no ALGORITHM clause), which may copy the table; writes may block
-- hazard LONG_LOCK: checks every row for NULLs
-- hazard MAY_FAIL: fails if name holds NULLs
ALTER TABLE `customers` MODIFY COLUMN `name` varchar(100) NOT NULL;
