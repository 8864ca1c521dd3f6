ALTER TABLE `words` DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
-- hazard TABLE_REWRITE: converts w to utf8mb4_bin: copies the table, blocking writes
-- hazard MAY_FAIL: fails (strict mode) if an existing value does not convert
ALTER TABLE `words` MODIFY COLUMN `w` varchar(20);
