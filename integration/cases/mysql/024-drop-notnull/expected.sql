-- hazard TABLE_REWRITE: makes name nullable, rebuilding the table in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
ALTER TABLE `people` MODIFY COLUMN `name` varchar(50), ALGORITHM=INPLACE, LOCK=NONE;
