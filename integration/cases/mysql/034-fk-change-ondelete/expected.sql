ALTER TABLE `pets` DROP FOREIGN KEY `pets_owner_id_fkey`, ALGORITHM=INSTANT;
-- hazard LONG_LOCK: checks every existing row, copying the table (ALGORITHM=COPY); writes block meanwhile
-- hazard MAY_FAIL: fails if existing rows reference missing keys
ALTER TABLE `pets` ADD CONSTRAINT `pets_owner_id_fkey` FOREIGN KEY (`owner_id`) REFERENCES `owners` (`id`) ON DELETE SET NULL;
