-- hazard TABLE_REWRITE: changes n from int to bigint, copying the table (ALGORITHM=COPY); writes block meanwhile
ALTER TABLE `counters` MODIFY COLUMN `n` bigint;
