ALTER TABLE `notes` DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
-- hazard TABLE_REWRITE: converts title to utf8mb4_general_ci: copies the table, blocking writes
-- hazard MAY_FAIL: fails (strict mode) if an existing value does not convert
ALTER TABLE `notes` MODIFY COLUMN `title` varchar(20);
