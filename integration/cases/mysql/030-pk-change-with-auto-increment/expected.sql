ALTER TABLE `things` MODIFY COLUMN `id` int NOT NULL, ALGORITHM=INSTANT;
-- hazard INDEX_BUILD: replaces the clustered index, rebuilding the table in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
-- hazard MAY_FAIL: fails on duplicate or NULL keys
ALTER TABLE `things` DROP PRIMARY KEY, ADD PRIMARY KEY (`code`), ALGORITHM=INPLACE, LOCK=NONE;
