-- hazard TABLE_REWRITE: changes name: copies the table, blocking writes
ALTER TABLE `people` MODIFY COLUMN `name` varchar(50);
