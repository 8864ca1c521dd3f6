ALTER TABLE `accounts` DROP INDEX `handle_uq`, ALGORITHM=INPLACE, LOCK=NONE;
-- hazard INDEX_BUILD: builds an index over every row, in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
-- hazard MAY_FAIL: fails if existing rows hold duplicates
CREATE UNIQUE INDEX `accounts_email_key` ON `accounts` (`email`) ALGORITHM=INPLACE LOCK=NONE;
