ALTER TABLE `pets` DROP FOREIGN KEY `pets_owner_fk`;
ALTER TABLE `pets` DROP INDEX `pets_owner_fk`;
