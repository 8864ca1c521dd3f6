-- hazard TABLE_REWRITE: converts a to latin1_swedish_ci: copies the table, blocking writes
-- hazard MAY_FAIL: fails (strict mode) if an existing value does not convert
ALTER TABLE `mixed` MODIFY COLUMN `a` varchar(20) CHARACTER SET latin1 COLLATE latin1_swedish_ci;
-- hazard TABLE_REWRITE: converts b to utf8mb4_unicode_ci: copies the table, blocking writes
-- hazard MAY_FAIL: fails (strict mode) if an existing value does not convert
ALTER TABLE `mixed` MODIFY COLUMN `b` varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
-- hazard TABLE_REWRITE: converts c to utf8mb4_bin: copies the table, blocking writes
-- hazard MAY_FAIL: fails (strict mode) if an existing value does not convert
ALTER TABLE `mixed` MODIFY COLUMN `c` text CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
-- hazard TABLE_REWRITE: converts d to utf8mb4_general_ci: copies the table, blocking writes
-- hazard MAY_FAIL: fails (strict mode) if an existing value does not convert
ALTER TABLE `mixed` MODIFY COLUMN `d` varchar(20);
