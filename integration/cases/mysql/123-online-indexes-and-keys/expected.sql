ALTER TABLE `pets` DROP FOREIGN KEY `pets_vet_fk`, ALGORITHM=INSTANT;
ALTER TABLE `pets` DROP INDEX `old_idx`, ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE `pets` RENAME INDEX `misnamed` TO `vet_idx`, ALGORITHM=INSTANT;
-- hazard INDEX_BUILD: builds an index over every row, rebuilding the table under a shared lock (FULLTEXT indexes allow no LOCK=NONE); writes block meanwhile
CREATE FULLTEXT INDEX `bio_ft` ON `pets` (`bio`);
-- hazard INDEX_BUILD: builds an index over every row, in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue
-- hazard MAY_FAIL: fails if existing rows hold duplicates
CREATE UNIQUE INDEX `idx_pets_name` ON `pets` (`name`) ALGORITHM=INPLACE LOCK=NONE;
-- hazard LONG_LOCK: checks every existing row, copying the table (ALGORITHM=COPY); writes block meanwhile
-- hazard MAY_FAIL: fails if existing rows reference missing keys
ALTER TABLE `pets` ADD CONSTRAINT `pets_owner_fk` FOREIGN KEY (`owner_id`) REFERENCES `owners` (`id`);
