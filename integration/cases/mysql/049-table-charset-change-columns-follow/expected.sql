ALTER TABLE `notes` DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci, ALGORITHM=INSTANT;
-- hazard TABLE_REWRITE: converts title to utf8mb4_general_ci, copying the table (ALGORITHM=COPY); writes block meanwhile
-- hazard MAY_FAIL: fails (strict mode) if an existing value does not convert
ALTER TABLE `notes` MODIFY COLUMN `title` varchar(20);
