-- hazard DELETES_DATA: drops column gone and its data (1 row)
-- hazard TABLE_REWRITE: drops gone, rebuilding the table under a shared lock (FULLTEXT indexes allow no LOCK=NONE); writes block meanwhile
ALTER TABLE `docs` DROP COLUMN `gone`;
-- hazard TABLE_REWRITE: adds extra, rebuilding the table under a shared lock (FULLTEXT indexes allow no LOCK=NONE); writes block meanwhile
ALTER TABLE `docs` ADD COLUMN `extra` int;
-- hazard UPDATES_ROWS: fills NULLs in title with the default
UPDATE `docs` SET `title` = 'untitled' WHERE `title` IS NULL;
-- hazard TABLE_REWRITE: changes title from varchar(20) to varchar(30), rebuilding the table under a shared lock (FULLTEXT indexes allow no LOCK=NONE); writes block meanwhile
-- hazard LONG_LOCK: checks every row for NULLs
ALTER TABLE `docs` MODIFY COLUMN `title` varchar(30) NOT NULL DEFAULT 'untitled';
