-- hazard TABLE_REWRITE: makes id NOT NULL, rebuilding the table in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
-- hazard MAY_FAIL: fails if id holds NULLs, or if a write stores one while the table is rebuilt
ALTER TABLE `things` MODIFY COLUMN `id` int NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;
-- hazard INDEX_BUILD: builds the clustered index, rebuilding the table in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
-- hazard MAY_FAIL: fails on duplicate or NULL keys
ALTER TABLE `things` ADD PRIMARY KEY (`id`), ALGORITHM=INPLACE, LOCK=NONE;
