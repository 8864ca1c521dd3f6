ALTER TABLE `legacy` DROP INDEX `a_idx`;
-- hazard DELETES_DATA: drops column b and its data (1 row)
-- hazard TABLE_REWRITE: drops b, as the server picks (no ALGORITHM clause), which may copy the table; writes may block
ALTER TABLE `legacy` DROP COLUMN `b`;
-- hazard TABLE_REWRITE: adds c, as the server picks (no ALGORITHM clause), which may copy the table; writes may block
ALTER TABLE `legacy` ADD COLUMN `c` int;
ALTER TABLE `legacy` ALTER COLUMN `a` SET DEFAULT 3;
-- hazard INDEX_BUILD: builds an index over every row, as the server picks (no ALGORITHM clause); writes may block
CREATE INDEX `c_idx` ON `legacy` (`c`);
-- hazard DELETES_DATA: drops column b and its data (1 row)
-- hazard TABLE_REWRITE: drops b, rebuilding the table in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
ALTER TABLE `packed` DROP COLUMN `b`, ALGORITHM=INPLACE, LOCK=NONE;
-- hazard TABLE_REWRITE: adds c, rebuilding the table in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
ALTER TABLE `packed` ADD COLUMN `c` int, ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE `old_format` MODIFY COLUMN `a` int, ALGORITHM=INSTANT;
