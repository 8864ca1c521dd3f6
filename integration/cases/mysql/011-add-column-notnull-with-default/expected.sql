ALTER TABLE `items` ADD COLUMN `status` varchar(20) NOT NULL DEFAULT 'active', ALGORITHM=INSTANT;
-- hazard UPDATES_ROWS: existing rows get the type's implicit default (0, '' or the zero date)
ALTER TABLE `items` ADD COLUMN `counter` int NOT NULL, ALGORITHM=INSTANT;
