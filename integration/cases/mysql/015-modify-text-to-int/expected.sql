-- hazard TABLE_REWRITE: changes code from varchar(10) to int, copying the table (ALGORITHM=COPY); writes block meanwhile
-- hazard MAY_FAIL: fails (strict mode) if an existing value does not convert
ALTER TABLE `codes` MODIFY COLUMN `code` int;
