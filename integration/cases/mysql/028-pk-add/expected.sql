-- hazard TABLE_REWRITE: changes id: copies the table, blocking writes
-- hazard LONG_LOCK: checks every row for NULLs
-- hazard MAY_FAIL: fails if id holds NULLs
ALTER TABLE `things` MODIFY COLUMN `id` int NOT NULL;
-- hazard INDEX_BUILD: builds the clustered index: InnoDB rebuilds the table
-- hazard MAY_FAIL: fails on duplicate or NULL keys
ALTER TABLE `things` ADD PRIMARY KEY (`id`);
