-- hazard DELETES_DATA: drops column obsolete and its data (1 row), in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
ALTER TABLE `items` DROP COLUMN `obsolete`, ALGORITHM=INPLACE, LOCK=NONE;
-- hazard DELETES_DATA: drops column also_gone and its data (1 row), instantly (ALGORITHM=INSTANT: metadata only)
ALTER TABLE `items` DROP COLUMN `also_gone`, ALGORITHM=INSTANT;
