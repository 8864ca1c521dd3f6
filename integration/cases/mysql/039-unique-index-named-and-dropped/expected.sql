ALTER TABLE `accounts` DROP INDEX `handle_uq`;
-- hazard INDEX_BUILD: builds an index over every row
-- hazard MAY_FAIL: fails if existing rows hold duplicates
CREATE UNIQUE INDEX `accounts_email_key` ON `accounts` (`email`);
