ALTER TABLE `pets` DROP FOREIGN KEY `pets_owner_id_fkey`;
-- hazard LONG_LOCK: checks every existing row; writes to the table block meanwhile
-- hazard MAY_FAIL: fails if existing rows reference missing keys
ALTER TABLE `pets` ADD CONSTRAINT `pets_owner_id_fkey` FOREIGN KEY (`owner_id`) REFERENCES `owners` (`id`) ON DELETE SET NULL;
