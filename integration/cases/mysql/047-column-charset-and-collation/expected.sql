-- hazard TABLE_REWRITE: converts a to latin1_swedish_ci, copying the table (ALGORITHM=COPY); writes block meanwhile
-- hazard MAY_FAIL: fails (strict mode) if an existing value does not convert
ALTER TABLE `mixed` MODIFY COLUMN `a` varchar(20) CHARACTER SET latin1 COLLATE latin1_swedish_ci;
ALTER TABLE `mixed` MODIFY COLUMN `b` varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci, ALGORITHM=INSTANT;
ALTER TABLE `mixed` MODIFY COLUMN `c` text CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, ALGORITHM=INSTANT;
-- hazard TABLE_REWRITE: converts d to utf8mb4_general_ci, copying the table (ALGORITHM=COPY); writes block meanwhile
-- hazard MAY_FAIL: fails (strict mode) if an existing value does not convert
ALTER TABLE `mixed` MODIFY COLUMN `d` varchar(20);
