ALTER TABLE `items` DROP INDEX `pair_idx`, ALGORITHM=INPLACE, LOCK=NONE;
-- hazard TABLE_REWRITE: drops the clustered index, copying the table (ALGORITHM=COPY); writes block meanwhile
ALTER TABLE `items` DROP PRIMARY KEY;
-- hazard DELETES_DATA: drops column code and its data (2 rows), instantly (ALGORITHM=INSTANT: metadata only)
ALTER TABLE `items` DROP COLUMN `code`, ALGORITHM=INSTANT;
-- hazard DELETES_DATA: drops column plain and its data (2 rows), instantly (ALGORITHM=INSTANT: metadata only)
ALTER TABLE `items` DROP COLUMN `plain`, ALGORITHM=INSTANT;
-- hazard DELETES_DATA: drops column solo and its data (2 rows), in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
ALTER TABLE `items` DROP COLUMN `solo`, ALGORITHM=INPLACE, LOCK=NONE;
-- hazard DELETES_DATA: drops column pair_a and its data (2 rows)
-- hazard TABLE_REWRITE: drops pair_a, rebuilding the table in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
ALTER TABLE `items` DROP COLUMN `pair_a`, ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE `items` ADD COLUMN `note` varchar(20), ALGORITHM=INSTANT;
ALTER TABLE `items` ADD COLUMN `state` varchar(10) NOT NULL DEFAULT 'new', ALGORITHM=INSTANT;
-- hazard UPDATES_ROWS: existing rows get the type's implicit default (0, '' or the zero date)
ALTER TABLE `items` ADD COLUMN `counter` int NOT NULL, ALGORITHM=INSTANT;
-- hazard INDEX_BUILD: builds the clustered index, rebuilding the table in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
-- hazard MAY_FAIL: fails on duplicate or NULL keys
ALTER TABLE `items` ADD PRIMARY KEY (`id`), ALGORITHM=INPLACE, LOCK=NONE;
