ALTER TABLE `people` RENAME TO `customers`;
ALTER TABLE `customers` RENAME COLUMN `full_name` TO `name`;
ALTER TABLE `customers` ADD COLUMN `since` date;
-- hazard TABLE_REWRITE: changes name: copies the table, blocking writes
-- hazard LONG_LOCK: checks every row for NULLs
-- hazard MAY_FAIL: fails if name holds NULLs
ALTER TABLE `customers` MODIFY COLUMN `name` varchar(100) NOT NULL;
