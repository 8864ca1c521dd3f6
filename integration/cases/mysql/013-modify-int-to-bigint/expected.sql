-- hazard TABLE_REWRITE: changes n from int to bigint: copies the table, blocking writes
ALTER TABLE `counters` MODIFY COLUMN `n` bigint;
