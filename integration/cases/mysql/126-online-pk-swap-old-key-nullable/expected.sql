-- hazard TABLE_REWRITE: drops the clustered index, copying the table (ALGORITHM=COPY); writes block meanwhile
ALTER TABLE `things` DROP PRIMARY KEY;
-- hazard TABLE_REWRITE: makes id nullable, rebuilding the table in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
ALTER TABLE `things` MODIFY COLUMN `id` int, ALGORITHM=INPLACE, LOCK=NONE;
-- hazard INDEX_BUILD: builds the clustered index, rebuilding the table in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
-- hazard MAY_FAIL: fails on duplicate or NULL keys
ALTER TABLE `things` ADD PRIMARY KEY (`code`), ALGORITHM=INPLACE, LOCK=NONE;
-- hazard INDEX_BUILD: replaces the clustered index, rebuilding the table in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
-- hazard MAY_FAIL: fails on duplicate or NULL keys
ALTER TABLE `swapped` DROP PRIMARY KEY, ADD PRIMARY KEY (`code`), ALGORITHM=INPLACE, LOCK=NONE;
