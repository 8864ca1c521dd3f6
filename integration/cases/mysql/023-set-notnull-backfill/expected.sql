-- hazard UPDATES_ROWS: fills NULLs in name with the default
UPDATE `people` SET `name` = 'anonymous' WHERE `name` IS NULL;
-- hazard TABLE_REWRITE: changes name: copies the table, blocking writes
-- hazard LONG_LOCK: checks every row for NULLs
ALTER TABLE `people` MODIFY COLUMN `name` varchar(50) NOT NULL DEFAULT 'anonymous';
-- hazard TABLE_REWRITE: changes age: copies the table, blocking writes
-- hazard LONG_LOCK: checks every row for NULLs
-- hazard MAY_FAIL: fails if age holds NULLs
ALTER TABLE `people` MODIFY COLUMN `age` int NOT NULL;
