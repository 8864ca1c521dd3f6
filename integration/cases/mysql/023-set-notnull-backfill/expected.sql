-- hazard UPDATES_ROWS: fills NULLs in name with the default
UPDATE `people` SET `name` = 'anonymous' WHERE `name` IS NULL;
-- hazard TABLE_REWRITE: makes name NOT NULL, rebuilding the table in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
-- hazard MAY_FAIL: fails if a write stores NULL in name while the table is rebuilt
ALTER TABLE `people` MODIFY COLUMN `name` varchar(50) NOT NULL DEFAULT 'anonymous', ALGORITHM=INPLACE, LOCK=NONE;
-- hazard TABLE_REWRITE: makes age NOT NULL, rebuilding the table in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
-- hazard MAY_FAIL: fails if age holds NULLs, or if a write stores one while the table is rebuilt
ALTER TABLE `people` MODIFY COLUMN `age` int NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;
