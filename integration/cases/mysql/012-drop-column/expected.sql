-- hazard DELETES_DATA: drops column obsolete and its data
ALTER TABLE `items` DROP COLUMN `obsolete`;
-- hazard DELETES_DATA: drops column also_gone and its data
ALTER TABLE `items` DROP COLUMN `also_gone`;
