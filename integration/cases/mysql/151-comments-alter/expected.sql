ALTER TABLE `notes` COMMENT = 'new table comment';
ALTER TABLE `notes` ADD COLUMN `created` date COMMENT 'when';
ALTER TABLE `notes` MODIFY COLUMN `body` text COMMENT 'the body''s text';
ALTER TABLE `notes` MODIFY COLUMN `tags` text;
