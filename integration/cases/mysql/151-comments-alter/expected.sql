ALTER TABLE `notes` COMMENT = 'new table comment';
ALTER TABLE `notes` ADD COLUMN `created` date COMMENT 'when', ALGORITHM=INSTANT;
ALTER TABLE `notes` MODIFY COLUMN `body` text COMMENT 'the body''s text', ALGORITHM=INSTANT;
ALTER TABLE `notes` MODIFY COLUMN `tags` text, ALGORITHM=INSTANT;
