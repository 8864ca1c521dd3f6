ALTER TABLE `tickets` MODIFY COLUMN `state` enum('open','closed','archived') DEFAULT 'open', ALGORITHM=INSTANT;
