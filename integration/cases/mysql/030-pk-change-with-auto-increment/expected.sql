-- hazard TABLE_REWRITE: changes id: copies the table, blocking writes
ALTER TABLE `things` MODIFY COLUMN `id` int NOT NULL;
-- hazard TABLE_REWRITE: InnoDB rebuilds the table around a new clustered index
ALTER TABLE `things` DROP PRIMARY KEY;
-- hazard INDEX_BUILD: builds the clustered index: InnoDB rebuilds the table
-- hazard MAY_FAIL: fails on duplicate or NULL keys
ALTER TABLE `things` ADD PRIMARY KEY (`code`);
