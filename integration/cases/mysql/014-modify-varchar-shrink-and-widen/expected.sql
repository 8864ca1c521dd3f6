-- hazard TABLE_REWRITE: changes short from varchar(100) to varchar(10), copying the table (ALGORITHM=COPY); writes block meanwhile
-- hazard MAY_FAIL: fails (strict mode) if an existing value does not convert
ALTER TABLE `names` MODIFY COLUMN `short` varchar(10);
-- hazard TABLE_REWRITE: changes long from varchar(50) to varchar(500), copying the table (ALGORITHM=COPY); writes block meanwhile
ALTER TABLE `names` MODIFY COLUMN `long` varchar(500);
-- hazard TABLE_REWRITE: changes body from text to mediumtext, copying the table (ALGORITHM=COPY); writes block meanwhile
ALTER TABLE `names` MODIFY COLUMN `body` mediumtext;
